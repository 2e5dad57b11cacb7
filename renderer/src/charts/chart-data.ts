/** Turns host figures into chart series: per-minute counts with gaps filled, rate samples as points. */
import type { EventsStats } from '../../../shared/domain/events';
import type { RateSample } from './rate-history';

const MINUTE = 60_000;

/** The last `minutes` whole minutes up to `now`, oldest first; minutes the host did not list count 0. */
export function perMinuteSeries(
  perMinute: EventsStats['perMinute'],
  now: number,
  minutes = 30,
): { start: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const m of perMinute) {
    const t = Date.parse(m.minute);
    if (Number.isNaN(t)) continue;
    const key = Math.floor(t / MINUTE) * MINUTE;
    counts.set(key, (counts.get(key) ?? 0) + m.count);
  }
  const last = Math.floor(now / MINUTE) * MINUTE;
  const out: { start: number; count: number }[] = [];
  for (let i = minutes - 1; i >= 0; i--) {
    const start = last - i * MINUTE;
    out.push({ start, count: counts.get(start) ?? 0 });
  }
  return out;
}

export function ratePoints(samples: readonly RateSample[]): { t: number; value: number }[] {
  return samples.map((s) => ({ t: s.t, value: s.rate }));
}
