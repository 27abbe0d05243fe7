import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { CORRELATION_ID_HEADER } from '@omnibus/contracts';
import { newCorrelationId, runInContext, sanitizeCorrelationId } from '@omnibus/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

/** Takes the caller's correlation id (or makes one), echoes it, and carries it to every NATS hop. */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const correlationId = sanitizeCorrelationId(request.headers[CORRELATION_ID_HEADER]) ?? newCorrelationId();
    void http.getResponse<FastifyReply>().header(CORRELATION_ID_HEADER, correlationId);
    return new Observable((subscriber) => runInContext({ correlationId }, () => next.handle().subscribe(subscriber)));
  }
}
