import { JetStreamManager, NatsConnection, RetentionPolicy, StorageType, connect, nanos } from 'nats';

/** A durable event stream a service owns: its name and the event subjects it captures. */
export interface StreamSpec {
  name: string;
  /** Exact event subjects; never a wildcard over the service's request subjects. */
  subjects: string[];
  /** Copies of the stream in a NATS cluster (production: 3); default 1. */
  replicas?: number;
}

/**
 * Server list and credentials of a NATS_URL (`nats://user:password@host:4222,…`): the nats client does
 * not read credentials from URLs, so they travel as options. Passwords are URL-decoded.
 */
export function natsServerOptions(urls: string): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = urls
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const url = /^[a-z]+:\/\//i.test(s) ? new URL(s) : undefined;
      if (!url || (!url.username && !url.password)) return s;
      user ??= decodeURIComponent(url.username);
      pass ??= decodeURIComponent(url.password);
      return `${url.protocol}//${url.host}`;
    });
  return { servers, ...(user !== undefined ? { user, pass } : {}) };
}

/** Connects to NATS and keeps reconnecting for ever; `name` shows in the server's connection list. */
export function connectNats(servers: string, name: string): Promise<NatsConnection> {
  // noAsyncTraces: the client would otherwise build an Error with a stack trace for every request it
  // sends (each JetStream publish of the outbox relay is one), only to enrich errors that rarely happen.
  return connect({ ...natsServerOptions(servers), name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, noAsyncTraces: true });
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
    num_replicas: spec.replicas ?? 1,
  };
  try {
    const info = await jsm.streams.info(spec.name);
    const missing = spec.subjects.filter((s) => !info.config.subjects?.includes(s));
    // Replicas are raised (never lowered) when JETSTREAM_REPLICAS grows, e.g. after moving to a cluster.
    const replicas = Math.max(info.config.num_replicas ?? 1, spec.replicas ?? 1);
    if (missing.length || replicas !== (info.config.num_replicas ?? 1)) {
      await jsm.streams.update(spec.name, { ...info.config, subjects: [...(info.config.subjects ?? []), ...missing], num_replicas: replicas });
    }
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config).catch(async (addErr: Error) => {
      // Another replica created it between our look-up and our add.
      if (!/already in use|exists/i.test(addErr.message)) throw addErr;
    });
  }
}
