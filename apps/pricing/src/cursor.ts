import { RpcError } from '@omnibus/service-kit';

/** Pages follow ids: the cursor is the last id of the page, opaque to callers. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, prefix: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!new RegExp(`^${prefix}_[0-9a-z]{22}$`).test(id)) throw new RpcError('VALIDATION', 'cursor is not a cursor this API returned', [{ field: 'cursor', problem: 'is not a cursor this API returned' }]);
  return id;
}

/** A VALIDATION error listing every problem. */
export function validationError(problems: { field: string; problem: string }[]): RpcError {
  return new RpcError('VALIDATION', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
}

/** Same instant, or both absent. */
export function sameInstant(a: Date | null, b: Date | null): boolean {
  return a === null || b === null ? a === b : a.getTime() === b.getTime();
}

export function dateOrNull(value: string | null | undefined): Date | null {
  return value === undefined || value === null ? null : new Date(value);
}
