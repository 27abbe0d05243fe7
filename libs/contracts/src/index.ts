export * from './ids';
export * from './money';
export * from './envelope';
export * from './errors';
export * from './headers';
export * from './validation';
export * from './catalog/subjects';
export * from './catalog/product';
