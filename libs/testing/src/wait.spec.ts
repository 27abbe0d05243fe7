import { waitFor } from './wait';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    expect(await waitFor('n to reach 3', () => (++n >= 3 ? n : undefined), 1000, 1)).toBe(3);
  });
  it('fails naming what it waited for and the last error', async () => {
    await expect(waitFor('the moon', () => { throw new Error('cloudy'); }, 30, 5)).rejects.toThrow(/the moon: cloudy/);
  });
});
