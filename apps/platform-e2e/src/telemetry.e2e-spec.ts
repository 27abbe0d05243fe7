import { ApiClient, OtlpReceiver, ReceivedSpan, appProcess, freePort, startOtlpReceiver, waitFor } from '@omnibus/testing';
import { randomBytes } from 'node:crypto';
import { Platform, productBody, startPlatform } from './platform';

// OTLP span kinds.
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

/** A W3C traceparent the test starts its request with, so every span of the request is findable. */
function newTraceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

describe('OpenTelemetry: one trace per request across the gateway, the services, their SQL and their events', () => {
  let receiver: OtlpReceiver;
  let platform: Platform;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const env = receiver.env;
    platform = await startPlatform({
      only: ['catalog', 'pricing', 'inventory'],
      serviceEnv: { catalog: env, pricing: env, inventory: env },
      // Caches off, so a product detail really asks catalog, pricing and inventory.
      gatewayEnv: { ...env, PRODUCT_CACHE_SIZE: '0', PRICE_CACHE_SIZE: '0', AVAILABILITY_CACHE_SIZE: '0' },
    });
  });
  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
  });

  const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const parentOf = (span: ReceivedSpan, spans: ReceivedSpan[]) => spans.find((s) => s.spanId === span.parentSpanId);
  const describeTrace = (spans: ReceivedSpan[]) => spans.map((s) => `${s.service}: ${s.name} (${s.spanId} ← ${s.parentSpanId ?? 'root'})`).join('\n');

  /** The chain of spans from `span` up to the root of its trace, as "service: name" lines. */
  function ancestry(span: ReceivedSpan, spans: ReceivedSpan[]): string[] {
    const chain: string[] = [];
    for (let s: ReceivedSpan | undefined = span; s; s = parentOf(s, spans)) chain.push(`${s.service}: ${s.name}`);
    return chain;
  }

  it('a product detail fans out from the gateway to catalog, pricing and inventory in one trace, down to their SQL', async () => {
    const created = await platform.admin.post('/v1/products', productBody());
    expect(created.status).toBe(201);

    const trace = newTraceparent();
    const res = await platform.admin.get(`/v1/products/${created.body.id}`, { traceparent: trace.header });
    expect(res.status).toBe(200);

    const services = ['catalog', 'pricing', 'inventory'];
    const spans = await waitFor(
      'server spans of catalog, pricing and inventory in the request\'s trace',
      () => {
        const found = inTrace(trace.traceId);
        return services.every((service) => found.some((s) => s.service === service && s.kind === SERVER)) ? found : undefined;
      },
      20_000,
    ).catch((err) => {
      throw new Error(`${err.message}\nspans in the trace:\n${describeTrace(inTrace(trace.traceId))}`);
    });

    // The gateway's HTTP span continues the caller's trace and is named after the route.
    const http = spans.find((s) => s.service === 'gateway' && s.kind === SERVER);
    expect(http).toMatchObject({ name: 'GET /v1/products/:id', parentSpanId: trace.spanId });
    expect(http?.attributes['http.route']).toBe('/v1/products/:id');

    for (const service of services) {
      const serverSpans = spans.filter((s) => s.service === service && s.kind === SERVER);
      for (const server of serverSpans) {
        // gateway HTTP span → gateway NATS client span → the service's handler span.
        const client = parentOf(server, spans);
        expect({ service, client: client && { service: client.service, kind: client.kind, name: client.name } }).toEqual({
          service,
          client: { service: 'gateway', kind: CLIENT, name: server.name.replace(/^process /, 'send ') },
        });
        expect(client?.parentSpanId).toBe(http?.spanId);
        expect(server.name).toMatch(new RegExp(`^process ${service}\\.`));
      }
    }
    // The catalog's SQL runs inside its handler's span.
    const query = await waitFor('a catalog SQL span in the trace', () => inTrace(trace.traceId).find((s) => s.service === 'catalog' && s.name.startsWith('pg.query')));
    expect(ancestry(query, inTrace(trace.traceId)).slice(1)).toEqual(['catalog: process catalog.product.get', 'gateway: send catalog.product.get', 'gateway: GET /v1/products/:id']);
    // One request, one trace: every handler span of this request (same correlation id) is in it.
    const correlationId = res.headers.get('x-correlation-id');
    const handled = receiver.spans.filter((s) => s.kind === SERVER && s.attributes['omnibus.correlation_id'] === correlationId);
    expect(handled.length).toBeGreaterThanOrEqual(3);
    expect(new Set(handled.map((s) => s.traceId))).toEqual(new Set([trace.traceId]));
  });

  it('continues a write\'s trace through the outbox and JetStream into the consumers of its event', async () => {
    const trace = newTraceparent();
    const created = await platform.admin.post('/v1/products', productBody(), { traceparent: trace.header });
    expect(created.status).toBe(201);

    // pricing and inventory both keep a copy of catalog products, fed by catalog.product.created.
    const spans = await waitFor(
      'pricing and inventory to consume catalog.product.created in the write\'s trace',
      () => {
        const found = inTrace(trace.traceId);
        const consumers = found.filter((s) => s.kind === CONSUMER && s.name === 'process catalog.product.created');
        return ['pricing', 'inventory'].every((service) => consumers.some((c) => c.service === service)) ? found : undefined;
      },
      30_000,
    ).catch((err) => {
      throw new Error(`${err.message}\nspans in the trace:\n${describeTrace(inTrace(trace.traceId))}`);
    });

    const producer = spans.find((s) => s.kind === PRODUCER && s.name === 'create catalog.product.created');
    expect(producer?.service).toBe('catalog');
    expect(ancestry(producer as ReceivedSpan, spans)).toEqual([
      'catalog: create catalog.product.created',
      'catalog: process catalog.product.create',
      'gateway: send catalog.product.create',
      'gateway: POST /v1/products',
    ]);
    for (const consumer of spans.filter((s) => s.kind === CONSUMER)) {
      expect(consumer.parentSpanId).toBe(producer?.spanId);
      expect(consumer.attributes['omnibus.delivery.outcome']).toBe('applied');
    }
  });

  it('serves request, handler, outbox and consumer metrics on /metrics without an API key', async () => {
    const gateway = await fetch(`${platform.gateway.url}/metrics`);
    expect(gateway.status).toBe(200);
    const gatewayText = await gateway.text();
    expect(gatewayText).toMatch(/http_server_request_duration_count\{[^}]*http_route="\/v1\/products\/:id"[^}]*\} [1-9]/);
    expect(gatewayText).toMatch(/nats_client_request_duration_count\{subject="catalog\.product\.get",outcome="ok"[^}]*\} [1-9]/);

    const catalog = await (await fetch(`${platform.catalog.url}/metrics`)).text();
    expect(catalog).toMatch(/nats_server_request_duration_count\{subject="catalog\.product\.create",outcome="ok"[^}]*\} [1-9]/);
    expect(catalog).toMatch(/outbox_published_total\{[^}]*\} [1-9]/);
    expect(catalog).toMatch(/^outbox_pending\{[^}]*\} \d+$/m);
    expect(catalog).toMatch(/^outbox_oldest_pending_age\{[^}]*\} [\d.]+$/m);

    const pricing = await (await fetch(`${platform.services.pricing.url}/metrics`)).text();
    expect(pricing).toMatch(/events_processed_total\{[^}]*subject="catalog\.product\.created"[^}]*outcome="applied"[^}]*\} [1-9]/);
    expect(pricing).toMatch(/^events_consumer_pending\{[^}]*stream="CATALOG_EVENTS"[^}]*\} \d+$/m);
  });

  it('keeps serving with telemetry switched off, or with a collector nobody answers at', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const off = await appProcess('gateway', { NATS_URL: platform.nats.url, OTEL_SDK_DISABLED: 'true' });
    const unreachable = await appProcess('gateway', { NATS_URL: platform.nats.url, OTEL_EXPORTER_OTLP_ENDPOINT: nowhere, OTEL_BSP_SCHEDULE_DELAY: '100' });
    try {
      for (const gateway of [off, unreachable]) {
        await gateway.start();
        for (let i = 0; i < 5; i++) expect((await new ApiClient(gateway.url, 'dev-admin').get('/v1/products?limit=2')).status).toBe(200);
      }
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${unreachable.url}/metrics`)).status).toBe(200);
    } finally {
      await Promise.all([off.stop(), unreachable.stop()]);
    }
    for (const gateway of [off, unreachable]) {
      expect(gateway.logs((line) => line['msg'] === 'shutting down')).toHaveLength(1);
      expect(gateway.logs((line) => line['level'] === 'error' || line['level'] === 'fatal')).toEqual([]);
    }
  });
});
