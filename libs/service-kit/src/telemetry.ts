import { Context, Counter, Histogram, Meter, MeterProvider, ROOT_CONTEXT, TextMapGetter, TextMapSetter, Tracer, context, metrics, propagation, trace } from '@opentelemetry/api';
import type { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { MsgHdrs } from 'nats';
import { telemetryDisabled, tracingConfigured } from './telemetry-config';

export { telemetryDisabled, tracingConfigured } from './telemetry-config';

interface TelemetryState {
  sdk?: NodeSDK;
  prometheus?: PrometheusExporter;
  serializer?: PrometheusSerializer;
  tracing: boolean;
}

let state: TelemetryState | undefined;

/**
 * Starts OpenTelemetry for this process, configured by the standard OTEL_* variables: metrics for
 * `/metrics` (Prometheus text) unless OTEL_SDK_DISABLED=true, and traces over OTLP when an endpoint or
 * exporter is configured. Called by `runApp`; safe to call twice. Never throws: telemetry that cannot
 * start leaves the app running without it.
 */
export function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): void {
  if (state) return;
  state = { tracing: false };
  if (telemetryDisabled(env)) return;
  try {
    const tracing = tracingConfigured(env);
    // Loaded here, not at import: with OTEL_SDK_DISABLED=true the SDK is never even loaded.
    const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
    const { PrometheusExporter, PrometheusSerializer } = require('@opentelemetry/exporter-prometheus') as typeof import('@opentelemetry/exporter-prometheus');
    const prometheus = new PrometheusExporter({ preventServerStart: true });
    const sdk = new NodeSDK({
      ...(env['OTEL_SERVICE_NAME'] ? {} : { serviceName: service }),
      // Metrics are pulled from /metrics; OTEL_METRICS_EXPORTER is not used (a periodic OTLP push
      // would also hold shutdown for seconds when the collector is away).
      metricReaders: [prometheus],
      // Logs stay JSON lines on stdout (with traceId), not an OTel log exporter.
      logRecordProcessors: [],
      // No span processors = no tracer provider: spans stay no-ops and cost nothing.
      ...(tracing ? {} : { spanProcessors: [] }),
      // Registered early by `@omnibus/service-kit/instrument`, before pg and http were loaded.
      instrumentations: [],
    });
    sdk.start();
    state = { sdk, prometheus, serializer: new PrometheusSerializer(), tracing };
  } catch (err) {
    process.stderr.write(`${service}: telemetry did not start, running without it: ${(err as Error).message}\n`);
  }
}

/** Whether spans are recorded and exported in this process. */
export function tracingActive(): boolean {
  return !!state?.tracing;
}

/** Flushes and stops telemetry; never waits longer than `timeoutMs` (a collector away must not hold shutdown). */
export async function shutdownTelemetry(timeoutMs = 2000): Promise<void> {
  const sdk = state?.sdk;
  if (!sdk) return;
  state = { tracing: false };
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([sdk.shutdown().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/** Current metrics in Prometheus text format, or undefined when telemetry is off. */
export async function metricsText(): Promise<string | undefined> {
  const { prometheus, serializer } = state ?? {};
  if (!prometheus || !serializer) return undefined;
  const { resourceMetrics } = await prometheus.collect();
  return serializer.serialize(resourceMetrics);
}

/** The kit's tracer (a no-op until the SDK registers a tracer provider). */
export function kitTracer(): Tracer {
  return trace.getTracer('omnibus-service-kit');
}

const natsSetter: TextMapSetter<MsgHdrs> = { set: (headers, key, value) => headers.set(key, value) };
const natsGetter: TextMapGetter<MsgHdrs | undefined> = {
  get: (headers, key) => headers?.get(key) || undefined,
  keys: (headers) => (headers ? headers.keys() : []),
};

/** Writes the current trace context (W3C `traceparent`, `tracestate`) into NATS headers. */
export function injectTraceContext(headers: MsgHdrs, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers, natsSetter);
}

/** The trace context a caller sent in NATS headers (the root context when there is none). */
export function traceContextFromHeaders(headers: MsgHdrs | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, natsGetter) : ROOT_CONTEXT;
}

/** Trace context as plain fields, for an event envelope: `{ traceparent, tracestate }` when tracing. */
export function traceFields(ctx: Context = context.active()): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return { ...(carrier['traceparent'] ? { traceparent: carrier['traceparent'] } : {}), ...(carrier['tracestate'] ? { tracestate: carrier['tracestate'] } : {}) };
}

/** The trace context stored in an event envelope's fields. */
export function traceContextFromFields(fields: { traceparent?: unknown; tracestate?: unknown }): Context {
  const carrier: Record<string, string> = {};
  if (typeof fields.traceparent === 'string') carrier['traceparent'] = fields.traceparent;
  if (typeof fields.tracestate === 'string') carrier['tracestate'] = fields.tracestate;
  return carrier['traceparent'] ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** The instruments the kit records into; services add their own with `metrics.getMeter(service)`. */
export interface KitInstruments {
  meter: Meter;
  httpDuration: Histogram;
  natsServerDuration: Histogram;
  natsClientDuration: Histogram;
  outboxPublished: Counter;
  outboxPublishFailures: Counter;
  eventsProcessed: Counter;
  eventDuration: Histogram;
}

// Seconds, from 1 ms to 10 s: NATS hops take about 0.1–50 ms here, slow SQL up to seconds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let instruments: { provider: MeterProvider; value: KitInstruments } | undefined;

/** The kit's instruments on the current global meter provider (no-ops until telemetry starts). */
export function kitMetrics(): KitInstruments {
  // The metrics API has no proxy: instruments made before the SDK started would stay no-ops.
  const provider = metrics.getMeterProvider();
  if (instruments?.provider !== provider) {
    const meter = provider.getMeter('omnibus-service-kit');
    const histogram = (name: string, description: string) => meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: LATENCY_BUCKETS } });
    instruments = {
      provider,
      value: {
        meter,
        httpDuration: histogram('http.server.request.duration', 'HTTP requests by method, route and status'),
        natsServerDuration: histogram('nats.server.request.duration', 'NATS requests this service answered, by subject and outcome'),
        natsClientDuration: histogram('nats.client.request.duration', 'NATS requests this app sent to other services, by subject and outcome'),
        outboxPublished: meter.createCounter('outbox.published', { description: 'outbox events published to JetStream' }),
        outboxPublishFailures: meter.createCounter('outbox.publish.failures', { description: 'failed outbox publish attempts (retried with backoff)' }),
        eventsProcessed: meter.createCounter('events.processed', { description: 'event deliveries handled, by consumer, subject and outcome' }),
        eventDuration: histogram('events.process.duration', 'time to handle one event delivery, by consumer and subject'),
      },
    };
  }
  return instruments.value;
}
