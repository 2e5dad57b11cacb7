import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const opts = { baseMs: 100, maxMs: 1_000 };

  it('doubles the cap per retry, up to maxMs, with the delay in [cap/2, cap]', () => {
    const low = (attempt: number) => backoffDelay(attempt, { ...opts, random: () => 0 });
    const high = (attempt: number) => backoffDelay(attempt, { ...opts, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(high)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect([1, 2, 3, 4, 5, 6].map(low)).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('treats attempt 0 or less as the first retry and never overflows for huge attempts', () => {
    expect(backoffDelay(0, { ...opts, random: () => 0 })).toBe(50);
    expect(backoffDelay(-3, { ...opts, random: () => 0 })).toBe(50);
    expect(backoffDelay(10_000, { ...opts, random: () => 0 })).toBe(500);
  });

  it('spreads delays with the default random source', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(4, opts)));
    expect(seen.size).toBeGreaterThan(5);
    for (const d of seen) expect(d >= 400 && d <= 800).toBe(true);
  });
});
