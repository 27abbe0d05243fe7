/** NATS and HTTP header that carries the correlation id through every hop. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';
/** NATS header that carries the id of the cause (request or event) of a message. */
export const CAUSATION_ID_HEADER = 'x-causation-id';
