import { describe, expect, it } from 'vitest';
import type { EventSummary } from '../../../shared/domain/events';
import { makeSummary } from '../testing/fake-events';
import { describeEvent, EMPTY_FILTER, isEmptyFilter, matchesFilter, toListInput } from './event-filter';

const text = makeSummary(1, 'text'); // from 34600100001, "Gracias 🙌"
const read = makeSummary(2, 'status-read', { messageNumber: 1 });
const failed = makeSummary(3, 'status-failed');
const userId = makeSummary(7, 'text'); // id % 7 === 0: a business-scoped user id, no phone
const template = makeSummary(5, 'template-status');

describe('event filters', () => {
  it('an empty filter matches everything', () => {
    expect(isEmptyFilter({ ...EMPTY_FILTER, party: '  ' })).toBe(true);
    for (const e of [text, read, failed, template]) expect(matchesFilter(e, EMPTY_FILTER)).toBe(true);
  });

  it('filters by kind', () => {
    const f = { ...EMPTY_FILTER, kind: 'status' as const };
    expect([text, read, failed, template].filter((e) => matchesFilter(e, f))).toEqual([read, failed]);
    const noRecords: EventSummary = { ...text, records: [] };
    expect(matchesFilter(noRecords, { ...EMPTY_FILTER, kind: 'other' })).toBe(true);
  });

  it('filters by phone or business-scoped user id, sender or recipient', () => {
    expect(matchesFilter(text, { ...EMPTY_FILTER, party: '34600100001' })).toBe(true);
    expect(matchesFilter(read, { ...EMPTY_FILTER, party: '34600100002' })).toBe(true);
    expect(matchesFilter(userId, { ...EMPTY_FILTER, party: 'us.' })).toBe(true);
    expect(matchesFilter(text, { ...EMPTY_FILTER, party: 'US.' })).toBe(false);
    expect(matchesFilter(text, { ...EMPTY_FILTER, party: '106540352242922' })).toBe(true);
  });

  it('filters by message id, status and text', () => {
    const mid = text.records[0]!.messageId!;
    expect(matchesFilter(read, { ...EMPTY_FILTER, messageId: mid.slice(-8).toLowerCase() })).toBe(true);
    expect(matchesFilter(failed, { ...EMPTY_FILTER, messageId: mid })).toBe(false);
    expect(matchesFilter(failed, { ...EMPTY_FILTER, status: 'failed' })).toBe(true);
    expect(matchesFilter(read, { ...EMPTY_FILTER, status: 'failed' })).toBe(false);
    expect(matchesFilter(text, { ...EMPTY_FILTER, text: 'GRACIAS' })).toBe(true);
    expect(matchesFilter(failed, { ...EMPTY_FILTER, text: 're-engagement' })).toBe(true);
    expect(matchesFilter(template, { ...EMPTY_FILTER, text: 'template_status' })).toBe(true);
  });

  it('combines conditions', () => {
    const f = { ...EMPTY_FILTER, kind: 'status' as const, status: 'failed', party: '34600100003' };
    expect(matchesFilter(failed, f)).toBe(true);
    expect(matchesFilter(read, f)).toBe(false);
  });

  it('asks the host with the same filter, leaving out empty fields', () => {
    expect(toListInput(EMPTY_FILTER)).toEqual({ limit: 500 });
    expect(
      toListInput(
        { kind: 'message', party: ' 346 ', messageId: '', status: 'read', text: 'hola' },
        { beforeId: 50, limit: 10 },
      ),
    ).toEqual({ kind: 'message', party: '346', status: 'read', text: 'hola', beforeId: 50, limit: 10 });
  });

  it('describes an event in one line', () => {
    expect(describeEvent(text)).toEqual({ party: '34600100001', what: 'text: Gracias 🙌' });
    expect(describeEvent(failed).what).toMatch(/^failed · …/);
    expect(describeEvent({ ...text, records: [] })).toEqual({ party: '', what: '' });
  });
});
