/** Error codes a service returns over NATS; the gateway maps each to one HTTP status. */
export type RpcErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'VERSION_CONFLICT'
  /** Well-formed but refused as a whole, e.g. an idempotency key reused with another request. */
  | 'UNPROCESSABLE'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** One problem with one field of an input. `field` is a dotted path (`variants.0.sku`). */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** The error shape every NATS handler replies with. */
export interface RpcErrorBody {
  code: RpcErrorCode;
  message: string;
  details?: FieldProblem[];
}

export const HTTP_STATUS_BY_RPC_CODE: Record<RpcErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  VERSION_CONFLICT: 409,
  UNPROCESSABLE: 422,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** True when a value received over the wire is an RpcErrorBody. */
export function isRpcErrorBody(value: unknown): value is RpcErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RpcErrorBody).code === 'string' &&
    (value as RpcErrorBody).code in HTTP_STATUS_BY_RPC_CODE &&
    typeof (value as RpcErrorBody).message === 'string'
  );
}
