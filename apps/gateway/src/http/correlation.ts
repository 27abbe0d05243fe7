import { CORRELATION_ID_HEADER } from '@omnibus/contracts';
import { newCorrelationId, runInContext, sanitizeCorrelationId } from '@omnibus/service-kit';
import type { FastifyInstance } from 'fastify';

/**
 * Takes the caller's correlation id (or makes one), echoes it, and runs the rest of the request in its
 * context, so every NATS hop and log line carries it. A Fastify hook rather than a Nest interceptor:
 * with any interceptor Nest runs each request through an RxJS pipeline and two `AsyncResource.bind`
 * calls, with none it calls the handler directly (hot product reads). Fastify's body parser keeps the
 * context.
 */
export function correlateRequests(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = sanitizeCorrelationId(request.headers[CORRELATION_ID_HEADER]) ?? newCorrelationId();
    void reply.header(CORRELATION_ID_HEADER, correlationId);
    runInContext({ correlationId }, done);
  });
}
