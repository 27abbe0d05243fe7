import { JetStreamManager, NatsConnection, RetentionPolicy, StorageType, connect, nanos } from 'nats';

/** A durable event stream a service owns: its name and the event subjects it captures. */
export interface StreamSpec {
  name: string;
  /** Exact event subjects; never a wildcard over the service's request subjects. */
  subjects: string[];
}

/** Connects to NATS and keeps reconnecting for ever; `name` shows in the server's connection list. */
export function connectNats(servers: string, name: string): Promise<NatsConnection> {
  return connect({ servers: servers.split(',').map((s) => s.trim()), name, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
}

/** Creates the stream, or updates its subjects; safe to call from every replica at every start. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const config = {
    name: spec.name,
    subjects: spec.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    // A relay that republishes after a crash within this window is deduplicated by Nats-Msg-Id.
    duplicate_window: nanos(10 * 60 * 1000),
    max_age: nanos(30 * 24 * 60 * 60 * 1000),
  };
  try {
    const info = await jsm.streams.info(spec.name);
    const missing = spec.subjects.filter((s) => !info.config.subjects?.includes(s));
    if (missing.length) await jsm.streams.update(spec.name, { ...info.config, subjects: [...(info.config.subjects ?? []), ...missing] });
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config).catch(async (addErr: Error) => {
      // Another replica created it between our look-up and our add.
      if (!/already in use|exists/i.test(addErr.message)) throw addErr;
    });
  }
}
