import { CreateProductRequest } from '@omnibus/contracts';
import { RpcError, rpcValidationPipe } from './rpc';

describe('rpcValidationPipe', () => {
  const pipe = rpcValidationPipe();
  const meta = { type: 'body' as const, metatype: CreateProductRequest };

  it('returns VALIDATION with a dotted path for each problem', async () => {
    const error = await pipe.transform({ slug: 'ok-slug', name: { en: 'x' }, variants: [{ sku: '' }], extra: 1 }, meta).catch((e) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error.getError()).toMatchObject({ code: 'VALIDATION' });
    const fields = error.getError().details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['extra', 'variants.0.sku']));
  });

  it('passes a valid payload through as the contract class', async () => {
    const out = await pipe.transform({ slug: 'ok-slug', name: { en: 'Shirt' } }, meta);
    expect(out).toBeInstanceOf(CreateProductRequest);
  });
});
