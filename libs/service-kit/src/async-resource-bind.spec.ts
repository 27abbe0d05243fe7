import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { speedUpAsyncResourceBind } from './async-resource-bind';

describe('speedUpAsyncResourceBind', () => {
  const storage = new AsyncLocalStorage<string>();
  beforeAll(() => speedUpAsyncResourceBind());

  it('runs a bound function in the async context it was bound in, wherever it is called', async () => {
    const bound = storage.run('request-1', () => AsyncResource.bind((suffix: string) => `${storage.getStore()}${suffix}`));
    const later = await storage.run('request-2', () => new Promise<string>((resolve) => setImmediate(() => resolve(bound('!')))));
    expect(later).toBe('request-1!');
    expect(bound('?')).toBe('request-1?');
  });

  it('keeps this, thisArg and length, and drops only the deprecated asyncResource property', () => {
    const resource = new AsyncResource('test');
    function named(this: { n: number } | undefined, a: number, b: number) {
      return (this?.n ?? 0) + a + b;
    }
    const bound = resource.bind(named);
    expect(bound.length).toBe(2);
    expect(bound.call({ n: 10 }, 1, 2)).toBe(13);
    const withThis = (resource.bind as (fn: typeof named, thisArg: unknown) => typeof named)(named, { n: 100 });
    expect(withThis.call({ n: 10 }, 1, 2)).toBe(103);
    expect('asyncResource' in bound).toBe(false);
    expect(() => resource.bind(42 as unknown as () => void)).toThrow(TypeError);
  });

  it('is applied once, however often it is called', () => {
    const bind = AsyncResource.prototype.bind;
    speedUpAsyncResourceBind();
    expect(AsyncResource.prototype.bind).toBe(bind);
  });
});
