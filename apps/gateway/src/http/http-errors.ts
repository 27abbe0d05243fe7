import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, Inject, ValidationPipe } from '@nestjs/common';
import { FieldProblem, HTTP_STATUS_BY_RPC_CODE } from '@omnibus/contracts';
import { LOGGER, RemoteError, fieldProblems } from '@omnibus/service-kit';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Logger } from 'pino';

/** The JSON body of every error response. */
export interface ErrorResponse {
  statusCode: number;
  error: string;
  message: string;
  details: FieldProblem[];
}

export function errorBody(statusCode: number, message: string, details: FieldProblem[] = []): ErrorResponse {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, details };
}

/** Validates bodies and queries against the contract classes; unknown fields are refused. */
export function httpValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = fieldProblems(errors).map((d) =>
        d.problem === `property ${d.field.split('.').pop()} should not exist` ? { field: d.field, problem: 'is not a known field' } : d,
      );
      return new BadRequestException(errorBody(400, details.map((d) => `${d.field}: ${d.problem}`).join('; '), details));
    },
  });
}

/**
 * For routes whose body the service validates (once, against the same contract class): a JSON object
 * or a 400. Hot write paths skip the gateway's own validation, which would repeat the service's.
 */
export function jsonObjectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException(errorBody(400, 'the body must be a JSON object', [{ field: 'body', problem: 'must be a JSON object' }]));
  }
  return body as Record<string, unknown>;
}

/** A service's VALIDATION error as the 400 the gateway's own validation would give (same wording); others unchanged. */
export function asGatewayValidationError(err: unknown): unknown {
  if (!(err instanceof RemoteError) || err.body.code !== 'VALIDATION' || !err.body.details) return err;
  const details = err.body.details.map((d) => (d.problem === `property ${d.field.split('.').pop()} should not exist` ? { field: d.field, problem: 'is not a known field' } : d));
  return new BadRequestException(errorBody(400, details.map((d) => `${d.field}: ${d.problem}`).join('; '), details));
}

/** Every error leaves as `{statusCode, error, message, details}`; only real faults are 500. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500 && body.statusCode !== 503) this.logger.error({ err: exception }, 'request failed');
    else if (body.statusCode === 503) this.logger.warn({ message: body.message }, 'dependency unavailable');
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown): ErrorResponse {
    if (exception instanceof RemoteError) {
      const status = HTTP_STATUS_BY_RPC_CODE[exception.body.code] ?? 502;
      return errorBody(status, status === 500 ? 'Internal error' : exception.body.message, exception.body.details ?? []);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'details' in response) return response as ErrorResponse;
      const raw = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      const message = Array.isArray(raw) ? raw.join('; ') : String(raw);
      return errorBody(status, message, status === 400 && /not valid JSON/i.test(message) ? [{ field: 'body', problem: 'is not valid JSON' }] : []);
    }
    // Fastify's own errors: malformed JSON, body too large, wrong content type.
    const fastify = exception as { statusCode?: number; message?: string; code?: string };
    if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
      const message = fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'the request body is too large' : (fastify.message ?? 'bad request');
      return errorBody(fastify.statusCode, message, fastify.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(message) ? [{ field: 'body', problem: 'is not valid JSON' }] : []);
    }
    return errorBody(500, 'Internal error');
  }
}
