/** The gateway's validated configuration. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
/** The ServiceClient for requests to the services over NATS. */
export const SERVICE_CLIENT = Symbol('SERVICE_CLIENT');
