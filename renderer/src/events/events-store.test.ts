import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventSummary, TriggerKind } from '../../../shared/domain/events';
import { ALL_KINDS, makeSummary } from '../testing/fake-events';
import { compileFilter, EMPTY_FILTER, type EventFilter } from './event-filter';
import { EventsStore } from './events-store';

const ev = (id: number, kind: TriggerKind = 'text', extra: Partial<EventSummary> = {}) => ({
  ...makeSummary(id, kind),
  ...extra,
});

function visibleIds(store: EventsStore): number[] {
  return Array.from({ length: store.shown }, (_, i) => store.at(i)!.id);
}

describe('EventsStore', () => {
  it('lists newest first whatever order batches arrive in, without repeats', () => {
    const store = new EventsStore();
    store.upsert([ev(3), ev(1)]);
    store.upsert([ev(2), ev(5), ev(5)]);
    store.upsert([ev(4)]);
    expect(visibleIds(store)).toEqual([5, 4, 3, 2, 1]);
    expect(store.total).toBe(5);
    expect(store.indexOf(3)).toBe(2);
    expect(store.oldestVisibleId()).toBe(1);
  });

  it('replaces a known event on update and keeps the filter in step', () => {
    const store = new EventsStore();
    store.upsert([ev(1, 'status-sent'), ev(2, 'text')]);
    store.setFilter({ ...EMPTY_FILTER, status: 'read' });
    expect(store.shown).toBe(0);
    const updated = ev(1, 'status-read');
    store.upsert([updated]);
    expect(visibleIds(store)).toEqual([1]);
    expect(store.get(1)).toBe(updated);
    store.upsert([ev(1, 'status-sent')]);
    expect(store.shown).toBe(0);
  });

  it('keeps the later version when one batch carries an event twice (new, then updated)', () => {
    const store = new EventsStore();
    const first = ev(7, 'status-sent');
    const updated = { ...ev(7, 'status-sent'), forward: 'delivered' as const };
    store.upsert([first, ev(8), updated]);
    expect(store.get(7)).toBe(updated);
    expect(visibleIds(store)).toEqual([8, 7]);
  });

  it('counts the new events that became visible', () => {
    const store = new EventsStore();
    store.setFilter({ ...EMPTY_FILTER, kind: 'status' });
    expect(store.upsert([ev(1, 'text'), ev(2, 'status-read'), ev(3, 'status-failed')])).toBe(2);
  });

  it('indexes message ids for the timeline, across updates', () => {
    const store = new EventsStore();
    const a = makeSummary(10, 'text', { messageNumber: 7 });
    const b = makeSummary(11, 'status-read', { messageNumber: 7 });
    const c = makeSummary(12, 'status-read', { messageNumber: 8 });
    store.upsert([a, b, c]);
    const mid = a.records[0]!.messageId!;
    expect(store.withMessageId(mid).map((e) => e.id)).toEqual([10, 11]);
    store.upsert([{ ...b, records: [] }]);
    expect(store.withMessageId(mid).map((e) => e.id)).toEqual([10]);
  });

  it('drops the oldest events beyond its cap, in chunks', () => {
    const store = new EventsStore(100);
    for (let i = 1; i <= 110; i++) store.upsert([ev(i)]);
    expect(store.total).toBe(110);
    store.upsert([ev(111)]);
    expect(store.total).toBe(100);
    expect(store.oldestVisibleId()).toBe(12);
    expect(store.get(11)).toBeUndefined();
    expect(store.at(0)!.id).toBe(111);
  });

  it('holds 100,000 events and filters all of them', () => {
    const store = new EventsStore();
    const batch: EventSummary[] = [];
    for (let i = 1; i <= 100_000; i++) batch.push(ev(i, ALL_KINDS[i % ALL_KINDS.length]!));
    store.upsert(batch);
    expect(store.total).toBe(100_000);
    store.setFilter({ ...EMPTY_FILTER, kind: 'status', status: 'failed' });
    const failedIndex = ALL_KINDS.indexOf('status-failed');
    let expected = 0;
    for (let i = 1; i <= 100_000; i++) if (i % ALL_KINDS.length === failedIndex) expected++;
    expect(store.shown).toBe(expected);
    expect(store.at(0)!.id % ALL_KINDS.length).toBe(failedIndex);
  });

  it('the incremental view always equals filtering everything from scratch (property)', () => {
    const filterArb = fc.record<EventFilter>({
      kind: fc.constantFrom('', 'message', 'status', 'error', 'template', 'other'),
      party: fc.constantFrom('', '3460010', 'US.', 'zzz'),
      messageId: fc.constantFrom('', 'wamid', '0000000A'),
      status: fc.constantFrom('', 'read', 'failed', 'sent'),
      text: fc.constantFrom('', 'gracias', 'photo', 'Something'),
    });
    const op = fc.oneof(
      fc.record({
        type: fc.constant('upsert' as const),
        items: fc.array(
          fc.record({ id: fc.integer({ min: 1, max: 60 }), kind: fc.constantFrom(...ALL_KINDS) }),
          {
            maxLength: 8,
          },
        ),
      }),
      fc.record({ type: fc.constant('filter' as const), filter: filterArb }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const store = new EventsStore(40);
        const truth = new Map<number, EventSummary>();
        let filter = EMPTY_FILTER;
        for (const o of ops) {
          if (o.type === 'filter') {
            filter = o.filter;
            store.setFilter(filter);
          } else {
            const items = o.items.map((i) => ev(i.id, i.kind));
            store.upsert(items);
            for (const e of items) truth.set(e.id, e);
            // mirror the cap: the store drops oldest down to 40 once it exceeds 44
            const ids = [...truth.keys()].sort((a, b) => a - b);
            if (ids.length > 44) for (const id of ids.slice(0, ids.length - 40)) truth.delete(id);
          }
        }
        const test = compileFilter(filter);
        const expected = [...truth.values()]
          .filter(test)
          .map((e) => e.id)
          .sort((a, b) => b - a);
        expect(visibleIds(store)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
