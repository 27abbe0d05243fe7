/** Injection tokens of what the kit provides. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const DATABASE = Symbol('DATABASE');
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
