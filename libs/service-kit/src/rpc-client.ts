import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { NatsRecordSerializer } from '@nestjs/microservices/serializers/nats-record.serializer';
import { CORRELATION_ID_HEADER, RpcErrorBody, isRpcErrorBody } from '@omnibus/contracts';
import { headers as natsHeaders } from 'nats';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import { currentContext } from './context';
import { natsServerOptions } from './jetstream';
import { injectTraceContext, kitMetrics, kitTracer } from './telemetry';

/** A failed request to another service, with the error it returned (or UNAVAILABLE). */
export class RemoteError extends Error {
  constructor(readonly body: RpcErrorBody) {
    super(body.message);
  }
}

/** Puts the current correlation id and trace context into the NATS headers of every outgoing request. */
class ContextSerializer extends NatsRecordSerializer {
  override serialize(packet: { data?: unknown; [key: string]: unknown }) {
    // Runs in the caller's async context, inside the request's client span.
    const ctx = currentContext();
    const headers = natsHeaders();
    if (ctx) headers.set(CORRELATION_ID_HEADER, ctx.correlationId);
    injectTraceContext(headers);
    if (headers.keys().length) packet = { ...packet, data: new NatsRecordBuilder(packet.data).setHeaders(headers).build() };
    return super.serialize(packet);
  }
}

/** Request-reply to other services over NATS, with a deadline and the contract's error shape. */
export class ServiceClient {
  private readonly client: ClientNats;

  constructor(servers: string[], name: string, private readonly timeoutMs: number) {
    this.client = new ClientNats({ ...natsServerOptions(servers.join(',')), name, serializer: new ContextSerializer(), maxReconnectAttempts: -1 });
  }

  connect(): Promise<unknown> {
    return this.client.connect();
  }

  close(): Promise<unknown> {
    return this.client.close();
  }

  /** Sends `data` to `subject` and resolves with the reply; rejects with RemoteError. Traced and measured. */
  request<T>(subject: string, data: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    const started = performance.now();
    const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'send' };
    return kitTracer().startActiveSpan(`send ${subject}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      let outcome = 'ok';
      try {
        return await this.send<T>(subject, data, timeoutMs);
      } catch (err) {
        outcome = (err as RemoteError).body?.code ?? 'UNAVAILABLE';
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        span.setAttribute('error.type', outcome);
        throw err;
      } finally {
        span.end();
        kitMetrics().natsClientDuration.record((performance.now() - started) / 1000, { subject, outcome });
      }
    });
  }

  private async send<T>(subject: string, data: unknown, timeoutMs: number): Promise<T> {
    try {
      return await firstValueFrom(this.client.send<T>(subject, data).pipe(timeout(timeoutMs)));
    } catch (err) {
      if (isRpcErrorBody(err)) throw new RemoteError(err);
      if (err instanceof TimeoutError) throw new RemoteError({ code: 'UNAVAILABLE', message: `${subject.split('.')[0]} service did not answer in ${timeoutMs} ms` });
      throw new RemoteError({ code: 'UNAVAILABLE', message: `${subject.split('.')[0]} service is unavailable: ${(err as Error)?.message ?? String(err)}` });
    }
  }
}
