import { LoggerService } from '@nestjs/common';
import { TraceFlags, trace } from '@opentelemetry/api';
import pino, { Logger } from 'pino';
import { currentContext } from './context';

/** A structured JSON logger; every line carries the service name and the current correlation id. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const ctx = currentContext();
      // The trace id, when tracing: a log line leads to its trace and back.
      const span = trace.getActiveSpan()?.spanContext();
      const traceId = span && span.traceFlags & TraceFlags.SAMPLED ? { traceId: span.traceId } : {};
      return ctx ? { correlationId: ctx.correlationId, ...traceId } : traceId;
    },
    // Secrets must never reach logs, whatever object is logged.
    redact: {
      paths: ['password', '*.password', 'currentPassword', '*.currentPassword', 'newPassword', '*.newPassword', 'passwordHash', '*.passwordHash', 'token', '*.token', 'headers["x-api-key"]', 'headers.authorization', '*.apiKey', 'apiKey'],
      censor: '[redacted]',
    },
  });
}

/** Nest's logger interface on top of pino, so framework messages are JSON lines too. */
export class JsonLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    this.pino.error({ context, trace }, String(message instanceof Error ? message.message : message));
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string) {
    if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}
