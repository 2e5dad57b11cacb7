import { describe, expect, it } from 'vitest';
import type { EventSummary } from '../../../shared/domain/events';
import { makeSummary } from '../testing/fake-events';
import { buildTimeline, messageIdsOf } from './timeline';

const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, s));
const MSG = 42;

describe('message timeline', () => {
  const sent = makeSummary(10, 'status-sent', { at: at(1), messageNumber: MSG });
  const delivered = makeSummary(11, 'status-delivered', { at: at(3), messageNumber: MSG });
  const read = makeSummary(12, 'status-read', { at: at(9), messageNumber: MSG });
  const other = makeSummary(13, 'status-read', { at: at(2), messageNumber: 99 });
  const mid = sent.records[0]!.messageId!;

  it('links a sent message to its statuses by message id, in time order', () => {
    const tl = buildTimeline(mid, [read, other, delivered, sent]);
    expect(tl.entries.map((e) => [e.step, e.eventId])).toEqual([
      ['sent', 10],
      ['delivered', 11],
      ['read', 12],
    ]);
    expect(tl.reached.sent).toBe(at(1).toISOString());
    expect(tl.reached.read).toBe(at(9).toISOString());
    expect(tl.final).toBe('read');
    expect(tl.deliveredSkipped).toBe(false);
  });

  it('shows a failure with its error, and notices a skipped "delivered"', () => {
    const failed = makeSummary(20, 'status-failed', { at: at(4), messageNumber: MSG });
    const tl = buildTimeline(mid, [sent, failed]);
    expect(tl.final).toBe('failed');
    expect(tl.entries[1]!.errorCodes).toEqual([131047]);
    expect(tl.entries[1]!.errorTitles).toEqual(['Re-engagement message']);
    expect(buildTimeline(mid, [sent, read]).deliveredSkipped).toBe(true);
  });

  it('orders statuses that share a timestamp by their natural order', () => {
    const sameSecond = [read, delivered, sent].map((e) => ({
      ...e,
      records: e.records.map((r) => ({ ...r, timestamp: String(Math.floor(at(5).getTime() / 1000)) })),
    }));
    expect(buildTimeline(mid, sameSecond).entries.map((e) => e.step)).toEqual(['sent', 'delivered', 'read']);
  });

  it('leaves out duplicate deliveries and replays of the same status', () => {
    const dup: EventSummary = { ...delivered, id: 30, duplicateOf: 11 };
    const replay: EventSummary = { ...read, id: 31, source: 'replay' };
    expect(buildTimeline(mid, [sent, delivered, dup, read, replay]).entries.map((e) => e.eventId)).toEqual([
      10, 11, 12,
    ]);
  });

  it('starts with the inbound message when the id is one we received', () => {
    const inbound = makeSummary(5, 'text', { at: at(0), messageNumber: MSG });
    const tl = buildTimeline(mid, [read, inbound]);
    expect(tl.entries[0]!.step).toBe('message');
    expect(messageIdsOf(inbound)).toEqual([mid]);
  });
});
