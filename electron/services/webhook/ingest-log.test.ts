import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventRecord } from '../../../shared/domain/events';
import { IngestLog, type LoggedEvent } from './ingest-log';
import { memoryLogger, type LogEntry } from './test-support';

const record: EventRecord = {
  kind: 'message',
  field: 'messages',
  wabaId: '1',
  phoneNumberId: '2',
  messageId: 'wamid.X',
  from: '34600000000',
  fromType: 'wa_id',
  recipient: null,
  messageType: 'text',
  status: null,
  errorCodes: [],
  errorTitles: [],
  timestamp: '1',
  text: 'hola',
};

function event(id: number, duplicateOf: number | null = null): LoggedEvent {
  return {
    result: { id, duplicateOf, queued: 'none', forward: 'none' },
    records: [record],
    source: 'webhook',
    signature: 'valid',
    bytes: 400,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('IngestLog', () => {
  it('one info line per event while few; in a burst the rest go to debug and one line per window sums them up', () => {
    vi.useFakeTimers();
    const entries: LogEntry[] = [];
    let now = 1_000_000;
    const log = new IngestLog(memoryLogger(entries), { windowMs: 1000, detailedPerWindow: 3 }, () => now);
    for (let id = 1; id <= 8; id++) log.stored(event(id, id === 7 ? 2 : null));
    const info = () => entries.filter((e) => e.level === 'info').map((e) => e.msg);
    expect(info()).toEqual([
      'event 1 stored: message(text) from wa_id 34600000000',
      'event 2 stored: message(text) from wa_id 34600000000',
      'event 3 stored: message(text) from wa_id 34600000000',
    ]);
    expect(entries.filter((e) => e.level === 'debug')).toHaveLength(5);

    // The window's end writes the summary, even with no further event.
    now += 1000;
    vi.advanceTimersByTime(1000);
    expect(info().at(-1)).toBe(
      'stored 5 more events #4–#8 within 1 s: 5 message (1 duplicate) (one line each at debug level)',
    );
    expect(entries.at(-1)!.obj).toMatchObject({ first: 4, last: 8, count: 5, duplicates: 1 });

    // A new window: detailed again.
    log.stored(event(9));
    expect(info().at(-1)).toBe('event 9 stored: message(text) from wa_id 34600000000');
  });

  it('flush() writes a pending summary at once (shutdown)', () => {
    const entries: LogEntry[] = [];
    const log = new IngestLog(memoryLogger(entries), { windowMs: 60_000, detailedPerWindow: 0 });
    log.stored(event(1));
    expect(entries.filter((e) => e.level === 'info')).toHaveLength(0);
    log.flush();
    expect(entries.filter((e) => e.level === 'info').map((e) => e.msg)).toEqual([
      'stored 1 more event #1–#1 within 60 s: 1 message (one line each at debug level)',
    ]);
  });
});
