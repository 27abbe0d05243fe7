import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { NatsRecordSerializer } from '@nestjs/microservices/serializers/nats-record.serializer';
import { CORRELATION_ID_HEADER, RpcErrorBody, isRpcErrorBody } from '@omnibus/contracts';
import { headers as natsHeaders } from 'nats';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import { currentContext } from './context';

/** A failed request to another service, with the error it returned (or UNAVAILABLE). */
export class RemoteError extends Error {
  constructor(readonly body: RpcErrorBody) {
    super(body.message);
  }
}

/** Puts the current correlation id into the NATS headers of every outgoing request. */
class ContextSerializer extends NatsRecordSerializer {
  override serialize(packet: { data?: unknown; [key: string]: unknown }) {
    const ctx = currentContext();
    if (ctx) {
      const headers = natsHeaders();
      headers.set(CORRELATION_ID_HEADER, ctx.correlationId);
      packet = { ...packet, data: new NatsRecordBuilder(packet.data).setHeaders(headers).build() };
    }
    return super.serialize(packet);
  }
}

/** Request-reply to other services over NATS, with a deadline and the contract's error shape. */
export class ServiceClient {
  private readonly client: ClientNats;

  constructor(servers: string[], name: string, private readonly timeoutMs: number) {
    this.client = new ClientNats({ servers, name, serializer: new ContextSerializer(), maxReconnectAttempts: -1 });
  }

  connect(): Promise<unknown> {
    return this.client.connect();
  }

  close(): Promise<unknown> {
    return this.client.close();
  }

  /** Sends `data` to `subject` and resolves with the reply; rejects with RemoteError. */
  async request<T>(subject: string, data: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    try {
      return await firstValueFrom(this.client.send<T>(subject, data).pipe(timeout(timeoutMs)));
    } catch (err) {
      if (isRpcErrorBody(err)) throw new RemoteError(err);
      if (err instanceof TimeoutError) throw new RemoteError({ code: 'UNAVAILABLE', message: `${subject.split('.')[0]} service did not answer in ${timeoutMs} ms` });
      throw new RemoteError({ code: 'UNAVAILABLE', message: `${subject.split('.')[0]} service is unavailable: ${(err as Error)?.message ?? String(err)}` });
    }
  }
}
