import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { BaseConfig } from './config';
import { kitMetrics, metricsText } from './telemetry';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OFF = 'telemetry is off (OTEL_SDK_DISABLED=true)\n';

/**
 * Names each HTTP server span after its route, measures every request by method, route and status,
 * and serves `/metrics` (Prometheus text): on METRICS_PORT when set, else on the app's own port,
 * outside Nest's guards (no API key). Call before the app listens.
 */
export function instrumentHttp(app: NestFastifyApplication, config: BaseConfig, logger: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions?.url;
    const span = route ? trace.getActiveSpan() : undefined;
    if (span) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.route', route as string);
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    kitMetrics().httpDuration.record(reply.elapsedTime / 1000, {
      'http.request.method': request.method,
      // Unknown paths share one label, so scanners cannot blow up the series count.
      'http.route': request.routeOptions?.url ?? 'unmatched',
      'http.response.status_code': reply.statusCode,
    });
    done();
  });

  const separate = config.METRICS_PORT !== undefined && config.METRICS_PORT !== config.PORT;
  if (!separate) {
    fastify.get('/metrics', async (_request, reply) => {
      const text = await metricsText();
      return text === undefined ? reply.code(404).type('text/plain').send(OFF) : reply.type(PROMETHEUS_TEXT).send(text);
    });
    return;
  }
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || !/^\/metrics(\?|$)/.test(request.url ?? '')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metricsText().then(
      (text) => (text === undefined ? response.writeHead(404, { 'content-type': 'text/plain' }).end(OFF) : response.writeHead(200, { 'content-type': PROMETHEUS_TEXT }).end(text)),
      (err: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`# metrics failed: ${err.message}\n`),
    );
  });
  server.on('error', (err) => logger.error({ err, port: config.METRICS_PORT }, '/metrics listener failed'));
  server.listen(config.METRICS_PORT, '0.0.0.0', () => logger.info({ port: config.METRICS_PORT }, '/metrics listening'));
  fastify.addHook('onClose', (_instance, done) => {
    server.close(() => done());
  });
}
