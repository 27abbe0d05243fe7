import { ArgumentsHost, CallHandler, Catch, Controller, ExecutionContext, Inject, Injectable, NestInterceptor, RpcExceptionFilter, UseFilters, UseInterceptors, UsePipes, ValidationError, ValidationPipe, applyDecorators } from '@nestjs/common';
import { NatsContext, RpcException } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode, context as otelContext, trace } from '@opentelemetry/api';
import { CAUSATION_ID_HEADER, CORRELATION_ID_HEADER, FieldProblem, RpcErrorBody, RpcErrorCode, isRpcErrorBody } from '@omnibus/contracts';
import type { Logger } from 'pino';
import { Observable, throwError } from 'rxjs';
import { newCorrelationId, runInContext, sanitizeCorrelationId } from './context';
import { kitMetrics, kitTracer, traceContextFromHeaders } from './telemetry';
import { LOGGER } from './tokens';

/** An error a NATS handler returns to its caller in the contract's shape. */
export class RpcError extends RpcException {
  constructor(readonly code: RpcErrorCode, message: string, readonly details?: FieldProblem[]) {
    super({ code, message, ...(details ? { details } : {}) } satisfies RpcErrorBody);
  }
}

/** Flattens class-validator errors into `{field, problem}` pairs with dotted paths. */
export function fieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      out.push({ field, problem: message.startsWith(`${e.property} `) ? message.slice(e.property.length + 1) : message });
    }
    if (e.children?.length) out.push(...fieldProblems(e.children, field));
  }
  return out;
}

/** Validates NATS payloads with the contract classes; problems go back as a VALIDATION error. */
export function rpcValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = fieldProblems(errors);
      return new RpcError('VALIDATION', details.map((d) => `${d.field}: ${d.problem}`).join('; '), details);
    },
  });
}

/** Turns anything a handler throws into an RpcErrorBody; unexpected errors are logged, not leaked. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    if (exception instanceof RpcException) {
      const body = exception.getError();
      if (isRpcErrorBody(body)) return throwError(() => body);
    }
    this.logger.error({ err: exception }, 'unexpected error in NATS handler');
    return throwError(() => ({ code: 'INTERNAL', message: 'Internal error' }) satisfies RpcErrorBody);
  }
}

/** The contract's error code of what a handler threw (INTERNAL for anything unexpected). */
function outcomeOf(err: unknown): string {
  const body = err instanceof RpcException ? err.getError() : undefined;
  return isRpcErrorBody(body) ? body.code : 'INTERNAL';
}

/**
 * Runs every NATS handler inside the caller's correlation context and trace (both read from the
 * message headers), in a server span of its own, and measures it per subject and outcome.
 */
@Injectable()
export class NatsContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const nats = context.switchToRpc().getContext<NatsContext>();
    const headers = nats?.getHeaders?.();
    const subject = nats?.getSubject?.() ?? 'unknown';
    const correlationId = sanitizeCorrelationId(headers?.get(CORRELATION_ID_HEADER)) ?? newCorrelationId();
    const causationId = sanitizeCorrelationId(headers?.get(CAUSATION_ID_HEADER));
    return new Observable((subscriber) => {
      const started = performance.now();
      const parent = traceContextFromHeaders(headers);
      const span = kitTracer().startSpan(
        `process ${subject}`,
        { kind: SpanKind.SERVER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'process', 'omnibus.correlation_id': correlationId } },
        parent,
      );
      const done = (outcome: string, err?: unknown) => {
        if (err !== undefined) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? outcome });
          span.setAttribute('error.type', outcome);
        }
        span.end();
        kitMetrics().natsServerDuration.record((performance.now() - started) / 1000, { subject, outcome });
      };
      return otelContext.with(trace.setSpan(parent, span), () =>
        runInContext({ correlationId, causationId }, () =>
          next.handle().subscribe({
            next: (value) => subscriber.next(value),
            error: (err) => {
              done(outcomeOf(err), err);
              subscriber.error(err);
            },
            complete: () => {
              done('ok');
              subscriber.complete();
            },
          }),
        ),
      );
    });
  }
}

/**
 * Marks a controller of NATS handlers: payloads validated against the contract classes, errors
 * returned in the contract's shape, and each handler run in the caller's correlation context.
 */
export function NatsHandlers(): ClassDecorator {
  return applyDecorators(Controller(), UsePipes(rpcValidationPipe()), UseFilters(RpcErrorFilter), UseInterceptors(NatsContextInterceptor));
}
