import type { GeoPoint, OpeningPeriod, OpeningWeekday } from '@omnibus/contracts';

const EARTH_RADIUS_KM = 6371.0088; // mean radius (IUGG)

/** Great-circle distance by the haversine formula: good to ~0.5 % for pickup searches. */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const WEEKDAY_BY_SHORT_NAME: Record<string, OpeningWeekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday and `HH:MM` of `at` in the time zone. */
export function localTime(at: Date, timezone: string): { day: OpeningWeekday; time: string } {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { day: WEEKDAY_BY_SHORT_NAME[parts['weekday']], time: `${parts['hour']}:${parts['minute']}` };
}

/** True when `at` falls in one of the periods (opens inclusive, closes exclusive), in local time. */
export function isOpenAt(periods: OpeningPeriod[], timezone: string, at: Date): boolean {
  const { day, time } = localTime(at, timezone);
  return periods.some((p) => p.day === day && p.opens <= time && time < p.closes);
}
