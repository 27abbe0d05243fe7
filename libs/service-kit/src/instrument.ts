/**
 * Imported FIRST by every app's main.ts (`import '@omnibus/service-kit/instrument';`), before Nest, pg
 * and http are loaded, so that their calls can be traced. Does nothing unless tracing is configured
 * (see tracingConfigured); `runApp` then starts the SDK these instrumentations report to.
 */
import { tracingConfigured } from './telemetry-config';

const QUIET_PATHS = /^\/(health|metrics)(\/|\?|$)/;

if (tracingConfigured()) {
  // Loaded only when used, so an app without tracing pays nothing for them. Constructing an
  // instrumentation enables it; it reports to the global tracer provider once the SDK sets one.
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  new HttpInstrumentation({
    // Probes and scrapes are not requests anyone wants to read traces of.
    ignoreIncomingRequestHook: (request) => QUIET_PATHS.test(request.url ?? ''),
    requireParentforOutgoingSpans: true,
  });
  // Only queries inside a traced request or event: the outbox relay's polling makes no traces.
  new PgInstrumentation({ requireParentSpan: true });
}
