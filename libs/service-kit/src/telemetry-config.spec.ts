import { telemetryDisabled, tracingConfigured } from './telemetry-config';

describe('telemetry configuration from OTEL_* variables', () => {
  it('records no traces without somewhere to send them', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
  });
  it('records traces when an OTLP endpoint or an exporter is configured', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });
  it('lets OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true win over an endpoint', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(telemetryDisabled({ OTEL_SDK_DISABLED: 'true' })).toBe(true);
    expect(telemetryDisabled({ OTEL_SDK_DISABLED: 'false' })).toBe(false);
    expect(telemetryDisabled({})).toBe(false);
  });
});
