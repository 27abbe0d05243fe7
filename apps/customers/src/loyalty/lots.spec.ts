import { expiredLots, spendingOrder, takeFromLots } from './lots';

const day = (n: number) => new Date(Date.UTC(2026, 10, 23 + n));

describe('loyalty lots', () => {
  const lots = [
    { id: 'lty_3', remaining: 50, expiresAt: null },
    { id: 'lty_2', remaining: 30, expiresAt: day(60) },
    { id: 'lty_1', remaining: 20, expiresAt: day(30) },
    { id: 'lty_0', remaining: 0, expiresAt: day(1) },
  ];

  it('spends the soonest-expiring points first and never-expiring ones last', () => {
    expect(spendingOrder(lots).map((l) => l.id)).toEqual(['lty_0', 'lty_1', 'lty_2', 'lty_3']);
    expect(takeFromLots(lots, 25)).toEqual([
      { id: 'lty_1', remaining: 0 },
      { id: 'lty_2', remaining: 25 },
    ]);
    expect(takeFromLots(lots, 100)).toEqual([
      { id: 'lty_1', remaining: 0 },
      { id: 'lty_2', remaining: 0 },
      { id: 'lty_3', remaining: 0 },
    ]);
  });

  it('refuses to take more than the lots hold', () => {
    expect(() => takeFromLots(lots, 101)).toThrow(/fewer than the 101/);
  });

  it('finds lots that expired and still hold points', () => {
    expect(expiredLots(lots, day(30)).map((l) => l.id)).toEqual(['lty_1']);
    expect(expiredLots(lots, day(29))).toEqual([]);
    expect(expiredLots(lots, day(1000)).map((l) => l.id)).toEqual(['lty_1', 'lty_2']);
  });
});
