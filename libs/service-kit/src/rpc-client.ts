import { CORRELATION_ID_HEADER, RpcErrorBody, isRpcErrorBody } from '@omnibus/contracts';
import { Events, Msg, MsgHdrs, NatsConnection, connect, createInbox, headers as natsHeaders } from 'nats';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { currentContext } from './context';
import { natsServerOptions } from './jetstream';
import { injectTraceContext, kitMetrics, kitTracer } from './telemetry';

/** A failed request to another service, with the error it returned (or UNAVAILABLE). */
export class RemoteError extends Error {
  constructor(readonly body: RpcErrorBody) {
    super(body.message);
  }
}

interface Pending {
  subject: string;
  resolve(value: unknown): void;
  reject(err: RemoteError): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Outgoing {
  subject: string;
  data: Uint8Array;
  reply: string;
  headers?: MsgHdrs;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Request-reply to other services over NATS, with a deadline and the contract's error shape.
 *
 * It speaks the wire format of Nest's NATS transport (`{pattern, data, id}` out, `{response | err, id}`
 * back), so any `@MessagePattern` handler answers it, but not through Nest's `ClientNats`, which
 * subscribes and unsubscribes a reply inbox per request (three protocol messages and two writes):
 * every reply comes to one wildcard subscription and is matched by its token. Requests made during one
 * turn of the event loop leave in one socket write.
 */
export class ServiceClient {
  private nc?: NatsConnection;
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, Pending>();
  private nextToken = 0;
  private outgoing: Outgoing[] = [];
  private flushScheduled = false;
  /** False while the connection is down: requests then fail at once instead of waiting for their deadline. */
  private connected = false;

  constructor(
    private readonly servers: string[],
    private readonly name: string,
    private readonly timeoutMs: number,
  ) {}

  async connect(): Promise<NatsConnection> {
    if (this.nc) return this.nc;
    // noAsyncTraces: no Error (with its stack) built for every message; our errors carry the subject.
    const nc = await connect({ ...natsServerOptions(this.servers.join(',')), name: this.name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, noAsyncTraces: true });
    nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? undefined : this.onReply(msg)) });
    this.nc = nc;
    this.connected = true;
    void this.watch(nc);
    return nc;
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.connected = false;
    for (const [token, p] of this.pending) this.settle(token, p, unavailable(p.subject, 'the client was closed'));
    await nc?.close();
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

  private send<T>(subject: string, data: unknown, timeoutMs: number): Promise<T> {
    if (!this.nc || !this.connected) return Promise.reject(unavailable(subject, this.nc ? 'the connection to NATS is down' : 'the client is not connected'));
    // Built here, in the caller's async context and inside its client span.
    const ctx = currentContext();
    let headers: MsgHdrs | undefined = natsHeaders();
    if (ctx) headers.set(CORRELATION_ID_HEADER, ctx.correlationId);
    injectTraceContext(headers);
    if (!headers.keys().length) headers = undefined;
    const token = (this.nextToken = (this.nextToken + 1) % Number.MAX_SAFE_INTEGER).toString(36);
    const body = encoder.encode(JSON.stringify({ pattern: subject, data, id: token }));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(token);
        if (p) this.settle(token, p, new RemoteError({ code: 'UNAVAILABLE', message: `${serviceOf(subject)} service did not answer in ${timeoutMs} ms` }));
      }, timeoutMs);
      this.pending.set(token, { subject, resolve: resolve as (value: unknown) => void, reject, timer });
      this.outgoing.push({ subject, data: body, reply: `${this.inbox}.${token}`, headers });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Publishes what this turn of the event loop queued: the nats client writes it to the socket at once. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.outgoing;
    this.outgoing = [];
    const nc = this.nc;
    for (const m of batch) {
      try {
        if (!nc) throw new Error('the client was closed');
        nc.publish(m.subject, m.data, { reply: m.reply, headers: m.headers });
      } catch (err) {
        const token = m.reply.slice(this.inbox.length + 1);
        const p = this.pending.get(token);
        if (p) this.settle(token, p, unavailable(m.subject, (err as Error).message));
      }
    }
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const p = this.pending.get(token);
    if (!p) return; // late: it timed out already
    // No subscriber on the subject: the server answers at once with an empty 503 status message.
    if (msg.data.length === 0) return this.settle(token, p, unavailable(p.subject, msg.headers?.code === 503 ? 'no instance is listening' : 'empty reply'));
    let packet: { err?: unknown; response?: unknown };
    try {
      packet = JSON.parse(decoder.decode(msg.data)) as typeof packet;
    } catch {
      return this.settle(token, p, unavailable(p.subject, 'the reply is not JSON'));
    }
    if (packet.err === undefined || packet.err === null) return this.settle(token, p, undefined, packet.response);
    const err = packet.err;
    this.settle(token, p, isRpcErrorBody(err) ? new RemoteError(err) : unavailable(p.subject, typeof err === 'string' ? err : ((err as Error)?.message ?? JSON.stringify(err))));
  }

  private settle(token: string, p: Pending, err: RemoteError | undefined, value?: unknown): void {
    this.pending.delete(token);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  /** Follows the connection's state; requests in flight when it drops get their answer or their deadline. */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) this.connected = false;
      else if (status.type === Events.Reconnect) this.connected = true;
    }
  }
}

function serviceOf(subject: string): string {
  return subject.split('.')[0];
}

function unavailable(subject: string, why: string): RemoteError {
  return new RemoteError({ code: 'UNAVAILABLE', message: `${serviceOf(subject)} service is unavailable: ${why}` });
}
