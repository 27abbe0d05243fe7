import { RpcError } from '@omnibus/service-kit';
import { reservationKeyOf, sameRequest } from './reservations.service';

describe('reservation rules', () => {
  const stored = {
    channel: 'web',
    lines: [
      { sku: 'A', locationId: 'loc_1', quantity: 2 },
      { sku: 'A', locationId: 'loc_2', quantity: 1 },
      { sku: 'B', locationId: 'loc_1', quantity: 1 },
    ],
  };

  it('recognises a repeated request by channel and units per SKU, however the lines were split', () => {
    expect(sameRequest(stored, { key: 'k', channel: 'web', lines: [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 3 }] })).toBe(true);
    expect(sameRequest(stored, { key: 'k', channel: 'app', lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }] })).toBe(false);
    expect(sameRequest(stored, { key: 'k', channel: 'web', lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] })).toBe(false);
    expect(sameRequest(stored, { key: 'k', channel: 'web', lines: [{ sku: 'A', quantity: 3 }] })).toBe(false);
    expect(sameRequest(stored, { key: 'k', channel: 'web', locationId: 'loc_1', lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }] })).toBe(false);
  });

  it('takes exactly one of id or key', () => {
    expect(reservationKeyOf({ id: 'res_0000000000000000000000' })).toEqual({ id: 'res_0000000000000000000000' });
    expect(reservationKeyOf({ key: 'order-1' })).toEqual({ key: 'order-1' });
    expect(() => reservationKeyOf({})).toThrow(RpcError);
    expect(() => reservationKeyOf({ id: 'res_0000000000000000000000', key: 'order-1' })).toThrow(/exactly one/);
  });
});
