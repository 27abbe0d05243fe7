/** Reads the standard OTEL_* variables that decide what the kit's telemetry does (no SDK loaded here). */

/** `OTEL_SDK_DISABLED=true` turns every signal off: no traces, no metrics. */
export function telemetryDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true';
}

/**
 * Traces are recorded only when somewhere to send them is configured: an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or an explicit
 * `OTEL_TRACES_EXPORTER` (otlp, console…). Without one, tracing costs nothing.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (telemetryDisabled(env)) return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (exporters.includes('none')) return false;
  if (exporters.length) return true;
  return !!(env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim());
}
