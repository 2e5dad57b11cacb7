import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { available, newWindowState, penalize, take, windowShape, type WindowState } from './grant-window';

const S = 1_000_000; // µs
const T0 = 5_000_000_000; // an arbitrary start on the limiter's clock

/** Largest number of grants inside any half-open window [t, t + w). */
function maxInWindow(times: number[], w: number): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= w) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** A backlogged caller that asks, sleeps as told (plus `late(i)` µs) and asks again, from T0 until `until`. */
function runBacklog(
  rate: number,
  until: number,
  late: (i: number) => number,
  opts: { wanted?: number; state?: WindowState } = {},
) {
  const state = opts.state ?? newWindowState();
  const grants: number[] = [];
  const batches: number[] = [];
  let now = T0;
  let lastCall = T0;
  for (let i = 0; now < until; i++) {
    lastCall = now;
    const d = take(state, now, rate, opts.wanted ?? 32, now - T0);
    for (let k = 0; k < d.granted; k++) grants.push(d.atUs);
    if (d.granted) batches.push(d.granted);
    now += (d.granted < (opts.wanted ?? 32) ? d.waitUs : 0) + late(i);
  }
  return { grants, batches, state, lastCall };
}

describe('grant window', () => {
  it('shapes: one second for whole rates, ceil(rate) grants per window otherwise', () => {
    expect(windowShape(250)).toEqual({ slotUs: 4_000, capacity: 250, windowUs: S });
    expect(windowShape(80).windowUs).toBe(S);
    expect(windowShape(2.5)).toMatchObject({ capacity: 3, windowUs: 1.2 * S });
    expect(windowShape(0.5)).toMatchObject({ capacity: 1, windowUs: 2 * S });
  });

  it('paces a fresh backlog one slot apart, never with a burst', () => {
    const st = newWindowState();
    expect(take(st, T0, 100, 10, 0)).toEqual({ granted: 1, atUs: T0, waitUs: 10_000 });
    expect(take(st, T0 + 10_000, 100, 10, 10_000).granted).toBe(1);
    // Idle for a minute, then a new backlog (nothing waited): paced again, not 100 at once.
    const later = T0 + 60 * S;
    expect(take(st, later, 100, 10, 0)).toMatchObject({ granted: 1, waitUs: 10_000 });
  });

  it('grants the slots missed while the caller was stalled in one batch', () => {
    const st = newWindowState();
    take(st, T0, 250, 32, 0); // slot 0; the next is due at +4 ms
    // The process wakes 100 ms late: the slots due at 4, 8, …, 104 ms are all granted now.
    const d = take(st, T0 + 104_000, 250, 32, 104_000);
    expect(d).toMatchObject({ granted: 26, atUs: T0 + 104_000 });
    expect(d.waitUs).toBe(4_000); // the next slot keeps the schedule
    // Caught up only as far back as the caller had sends waiting.
    const st2 = newWindowState();
    take(st2, T0, 250, 32, 0);
    expect(take(st2, T0 + 104_000, 250, 32, 40_000).granted).toBe(11);
  });

  it('never lets one window hold more than the rate, however long the stall', () => {
    const st = newWindowState();
    take(st, T0, 100, 1000, 0);
    // Stalled 5 s: at most one window's worth comes back, and the window is then full.
    const d = take(st, T0 + 5 * S, 100, 1000, 5 * S);
    expect(d.granted).toBe(100);
    expect(d.waitUs).toBe(S);
    expect(take(st, T0 + 5 * S + S - 1, 100, 1000, 6 * S).granted).toBe(0);
  });

  it('a caller that wakes when told gets every slot, one by one', () => {
    for (const rate of [3, 80, 250]) {
      const { grants, batches, lastCall } = runBacklog(rate, T0 + 3 * S, () => 0);
      expect(grants.length).toBe(Math.floor(((lastCall - T0) * rate) / S + 1e-6) + 1);
      expect(Math.max(...batches)).toBe(1);
    }
  });

  it('keeps the window and loses at most lateness/window of the rate when wake-ups come late', () => {
    // Late wake-ups cost what they must: once slots were caught up in a batch, the window is full and a grant can
    // only follow one that leaves it, so each late wake-up delays the grants that wait for it. The loss is bounded
    // by the lateness (≤ 1/(1 + late/window)); nothing else is lost.
    fc.assert(
      fc.property(
        fc.constantFrom(3, 50, 80, 250, 1000),
        fc.integer({ min: 0, max: 400_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (rate, maxLate, shape) => {
          const { capacity, windowUs } = windowShape(rate);
          const { grants, lastCall } = runBacklog(
            rate,
            T0 + 4 * S,
            (i) => Math.round(maxLate * shape[i % shape.length]!),
            { wanted: 1_000_000 }, // never short of places in flight
          );
          expect(maxInWindow(grants, windowUs)).toBeLessThanOrEqual(capacity);
          const due = Math.floor(((lastCall - T0) * rate) / S + 1e-6) + 1;
          expect(grants.length).toBeLessThanOrEqual(due); // none before it was due
          expect(grants.length).toBeGreaterThanOrEqual(
            due / (1 + (1.25 * maxLate) / windowUs) - capacity - 1,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a window never holds more than ceil(rate) grants for any caller pattern', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.5, 2.5, 7, 80, 250),
        fc.array(
          fc.record({
            dt: fc.integer({ min: 0, max: 1_500_000 }),
            wanted: fc.integer({ min: 1, max: 300 }),
            lag: fc.integer({ min: 0, max: 3_000_000 }),
            penalty: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })),
          }),
          { maxLength: 300 },
        ),
        (rate, calls) => {
          const st = newWindowState();
          const { capacity, windowUs } = windowShape(rate);
          const grants: number[] = [];
          let now = T0;
          for (const c of calls) {
            now += c.dt;
            if (c.penalty) penalize(st, now, c.penalty / 10);
            const d = take(st, now, rate, c.wanted, c.lag);
            expect(d.granted).toBeGreaterThanOrEqual(0);
            expect(d.granted).toBeLessThanOrEqual(c.wanted);
            if (d.granted < c.wanted) expect(d.waitUs).toBeGreaterThan(0);
            for (let k = 0; k < d.granted; k++) grants.push(now);
          }
          expect(maxInWindow(grants, windowUs)).toBeLessThanOrEqual(capacity);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('penalize pushes every later slot back, and tokens show the debt', () => {
    const st = newWindowState();
    expect(available(st, T0, 10)).toBe(10);
    take(st, T0, 10, 1, 0);
    penalize(st, T0, 2);
    expect(available(st, T0, 10)).toBeCloseTo(-21, 6);
    const d = take(st, T0 + 1000, 10, 5, 1000);
    expect(d.granted).toBe(0);
    expect(d.waitUs).toBe(2.1 * S - 1000);
    // A long penalty is capped at a minute.
    penalize(st, T0, 3600);
    expect(take(st, T0, 10, 1, 0).waitUs).toBe(60 * S);
  });

  it('spreads the wake-ups of callers that wait for the same slots', () => {
    const st = newWindowState();
    const rate = 100; // 10 ms slots
    take(st, T0, rate, 1, 0, 'a');
    const a = take(st, T0 + 1, rate, 5, 1, 'a');
    const b = take(st, T0 + 2, rate, 5, 2, 'b');
    const c = take(st, T0 + 3, rate, 5, 3, 'c');
    expect([a.waitUs + 1, b.waitUs + 2, c.waitUs + 3]).toEqual([10_000, 20_000, 30_000]);
    // Taking turns: each wakes to one grant of its own.
    expect(take(st, T0 + 10_000, rate, 5, 10_000, 'a')).toMatchObject({ granted: 1, waitUs: 30_000 });
    expect(take(st, T0 + 20_000, rate, 5, 20_000, 'b')).toMatchObject({ granted: 1, waitUs: 30_000 });
    expect(take(st, T0 + 30_000, rate, 5, 30_000, 'c').granted).toBe(1);
    // A lone caller that woke a little early is not sent behind its own turn.
    const lone = newWindowState();
    take(lone, T0, rate, 5, 0, 'x');
    expect(take(lone, T0 + 9_500, rate, 5, 9_500, 'x')).toMatchObject({ granted: 0, waitUs: 500 });
  });
});
