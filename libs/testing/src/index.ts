export * from './processes';
export * from './nats-server';
export * from './database';
export * from './http';
export * from './wait';
export * from './otlp-receiver';
