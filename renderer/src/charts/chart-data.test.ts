import { describe, expect, it } from 'vitest';
import { perMinuteSeries } from './chart-data';
import { RateHistory } from './rate-history';

describe('chart data', () => {
  it('fills the minutes the host did not list with zero', () => {
    const now = Date.UTC(2026, 10, 28, 10, 5, 30);
    const series = perMinuteSeries(
      [
        { minute: '2026-11-28T10:03:00.000Z', count: 4 },
        { minute: '2026-11-28T10:05:00.000Z', count: 2 },
        { minute: '2026-11-28T09:00:00.000Z', count: 99 },
        { minute: 'garbage', count: 1 },
      ],
      now,
      4,
    );
    expect(series.map((s) => [new Date(s.start).toISOString().slice(11, 16), s.count])).toEqual([
      ['10:02', 0],
      ['10:03', 4],
      ['10:04', 0],
      ['10:05', 2],
    ]);
  });

  it('keeps a bounded rate history and merges samples that arrive together', () => {
    const h = new RateHistory(3, 250);
    const status = (currentRate: number) => ({
      messagesPerSecond: 80,
      concurrency: 8,
      maxQueueSize: 1000,
      currentRate,
      tokens: 0,
      queueDepth: 0,
      inFlight: 0,
      sent: 0,
      failed: 0,
      throttled: 0,
      rejected: 0,
      backend: 'local' as const,
    });
    h.add(status(1), 1000);
    h.add(status(2), 1100);
    h.add(status(3), 2000);
    h.add(status(4), 3000);
    h.add(status(5), 4000);
    expect(h.list().map((s) => s.rate)).toEqual([3, 4, 5]);
    expect(h.latest?.currentRate).toBe(5);
  });
});
