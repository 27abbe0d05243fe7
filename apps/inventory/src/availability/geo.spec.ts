import { haversineKm, isOpenAt, localTime } from './geo';

describe('haversine distance', () => {
  it('measures Berlin to Hamburg as about 255 km and a point to itself as 0', () => {
    const berlin = { latitude: 52.52, longitude: 13.405 };
    const hamburg = { latitude: 53.5511, longitude: 9.9937 };
    expect(haversineKm(berlin, hamburg)).toBeGreaterThan(250);
    expect(haversineKm(berlin, hamburg)).toBeLessThan(260);
    expect(haversineKm(berlin, berlin)).toBe(0);
  });

  it('stays finite across the antimeridian and at the poles', () => {
    expect(haversineKm({ latitude: 0, longitude: 179.9 }, { latitude: 0, longitude: -179.9 })).toBeLessThan(25);
    expect(haversineKm({ latitude: 90, longitude: 0 }, { latitude: -90, longitude: 0 })).toBeCloseTo(Math.PI * 6371.0088, 0);
  });
});

describe('opening hours', () => {
  const weekdays = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, opens: '09:00', closes: '20:00' }));

  it('reads the local weekday and time of the location', () => {
    // 2026-11-23 is a Monday; 08:30 UTC is 09:30 in Berlin (CET, UTC+1).
    expect(localTime(new Date('2026-11-23T08:30:00Z'), 'Europe/Berlin')).toEqual({ day: 'mon', time: '09:30' });
    expect(localTime(new Date('2026-11-23T23:30:00Z'), 'Europe/Berlin')).toEqual({ day: 'tue', time: '00:30' });
  });

  it('is open from opening time up to (not including) closing time, in local time', () => {
    expect(isOpenAt(weekdays, 'Europe/Berlin', new Date('2026-11-23T08:00:00Z'))).toBe(true); // 09:00 local
    expect(isOpenAt(weekdays, 'Europe/Berlin', new Date('2026-11-23T07:59:00Z'))).toBe(false);
    expect(isOpenAt(weekdays, 'Europe/Berlin', new Date('2026-11-23T19:00:00Z'))).toBe(false); // 20:00 local
    expect(isOpenAt(weekdays, 'Europe/Berlin', new Date('2026-11-28T12:00:00Z'))).toBe(false); // Saturday
    expect(isOpenAt([], 'UTC', new Date())).toBe(false);
  });
});
