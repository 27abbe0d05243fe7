/** The versioned envelope every durable domain event travels in on JetStream. */
export interface EventEnvelope<T = unknown> {
  /** Unique event id (`evt_…`); also the JetStream `Nats-Msg-Id`, so a repeated publish is dropped. */
  id: string;
  /** The subject it is published on, e.g. `catalog.product.created`. */
  type: string;
  /** Version of the `data` schema for this type; consumers reject versions they do not know. */
  version: number;
  occurredAt: string;
  /** The service that emitted it. */
  source: string;
  correlationId: string;
  /** The id of the command or event that caused this one, when known. */
  causationId?: string;
  /** W3C trace context of the change that caused the event, so its consumers continue the same trace. */
  traceparent?: string;
  tracestate?: string;
  data: T;
}
