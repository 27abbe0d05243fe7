import { AsyncLocalStorage } from 'node:async_hooks';
import { newId } from '@omnibus/contracts';

/** What travels with one unit of work (an HTTP request, a NATS message) through every hop. */
export interface WorkContext {
  correlationId: string;
  causationId?: string;
}

const storage = new AsyncLocalStorage<WorkContext>();

/** Runs `fn` with `context` as the current work context. */
export function runInContext<T>(context: WorkContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current work context, if any. */
export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}

// A random per-process prefix and a counter: unique across processes, and far cheaper per request
// than random bytes (this runs on every HTTP request of the gateway).
const processPrefix = newId('cor').slice(14, 24);
let sequence = 0;

/** A new correlation id (`cor_…`). */
export function newCorrelationId(): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `cor_${processPrefix}${sequence.toString(36)}`;
}

/** The current correlation id, or a new one when the work started here. */
export function correlationId(): string {
  return storage.getStore()?.correlationId ?? newCorrelationId();
}

/** Accepts a caller-supplied correlation id only when it is short and printable. */
export function sanitizeCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w.:-]{1,100}$/.test(value) ? value : undefined;
}
