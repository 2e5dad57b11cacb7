import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventSummary } from '../../../shared/domain/events';
import type { BusMessage } from '../core/event-bus';
import type { EventStore } from './event-store';
import { LiveFeed, UPDATE_WINDOW_MS } from './live';

function summary(id: number, queued: EventSummary['queued']): EventSummary {
  return {
    id,
    receivedAt: new Date(0).toISOString(),
    signature: 'valid',
    bodySize: 10,
    duplicateOf: null,
    duplicates: 0,
    records: [],
    forward: 'none',
    queued,
    source: 'webhook',
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveFeed', () => {
  it('an event Redis took is pushed again from the summary it was pushed with, without reading the store', async () => {
    vi.useFakeTimers();
    const pushed: BusMessage[] = [];
    const read: number[][] = [];
    const store = {
      queries: {
        summaries: (ids: number[]) => {
          read.push(ids);
          return ids.map((id) => ({ ...summary(id, 'queued'), forward: 'delivered' as const }));
        },
      },
    } as unknown as EventStore;
    const live = new LiveFeed(
      { publish: (event, payload) => pushed.push({ event, payload } as BusMessage) },
      () => store,
    );
    for (const id of [1, 2, 3]) live.add(summary(id, 'pending'));
    vi.runAllTicks();
    await vi.advanceTimersByTimeAsync(0);
    expect(pushed.map((m) => m.event)).toEqual(['events:new']);

    live.change([2]); // 2 also changed otherwise (say, forwarded): read from the store
    live.queued([1, 2, 4]); // 4 was never kept: read from the store
    await vi.advanceTimersByTimeAsync(UPDATE_WINDOW_MS);
    const updated = pushed.filter((m) => m.event === 'events:updated');
    expect(updated).toHaveLength(1);
    expect(read).toEqual([[2, 4]]);
    const payload = updated[0]!.payload as EventSummary[];
    expect(payload.map((s) => [s.id, s.queued, s.forward])).toEqual([
      [1, 'queued', 'none'],
      [2, 'queued', 'delivered'],
      [4, 'queued', 'delivered'],
    ]);
    live.dispose();
  });
});
