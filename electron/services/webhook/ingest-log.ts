/**
 * The whatsapp.log lines of stored events, at a cost that does not grow with the request rate. Each event gets its
 * own info line while events are few (the first `detailedPerWindow` of every `windowMs`); past that, their lines go
 * to debug and one info line per window sums them up (count, id range, kinds, duplicates). A developer triggering
 * events by hand sees every one; a burst of thousands per second costs one formatted line per second, not one per
 * event (a pino line with redaction and a file write cost about as much as storing the event).
 */
import type { EventRecord } from '../../../shared/domain/events';
import type { ModuleLogger } from '../logging/types';
import type { InsertedDelivery } from './event-store';

export interface IngestLogOptions {
  windowMs: number;
  detailedPerWindow: number;
}

export const DEFAULT_INGEST_LOG: IngestLogOptions = { windowMs: 1_000, detailedPerWindow: 20 };

export interface LoggedEvent {
  result: InsertedDelivery;
  records: EventRecord[];
  source: string;
  signature: string;
  bytes: number;
}

function describe(records: EventRecord[]): string {
  const parts = records.slice(0, 3).map((r) => {
    if (r.kind === 'message')
      return `message(${r.messageType ?? '?'}) from ${r.fromType ?? 'sender'} ${r.from ?? '?'}`;
    if (r.kind === 'status')
      return `status ${r.status ?? '?'}${r.errorCodes.length ? ` [${r.errorCodes.join(',')}]` : ''}`;
    if (r.kind === 'error') return `error [${r.errorCodes.join(',')}]`;
    return `${r.kind} ${r.field || '(unknown field)'}${r.status ? ` ${r.status}` : ''}`;
  });
  return parts.join('; ') + (records.length > 3 ? `; +${records.length - 3} more` : '');
}

interface Summary {
  count: number;
  first: number;
  last: number;
  duplicates: number;
  kinds: Map<string, number>;
}

export class IngestLog {
  private readonly opts: IngestLogOptions;
  private windowStart = -Infinity;
  private detailed = 0;
  private summary: Summary | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: ModuleLogger,
    opts: Partial<IngestLogOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULT_INGEST_LOG, ...opts };
  }

  stored(e: LoggedEvent): void {
    const now = this.now();
    if (now - this.windowStart >= this.opts.windowMs) {
      this.flush();
      this.windowStart = now;
      this.detailed = 0;
    }
    const detailed = this.detailed < this.opts.detailedPerWindow;
    if (detailed) this.detailed += 1;
    else this.count(e);
    const level = detailed ? 'info' : 'debug';
    const { id, duplicateOf } = e.result;
    if (duplicateOf) {
      this.log[level](
        { id, duplicateOf, bytes: e.bytes },
        `event ${id} is a duplicate of ${duplicateOf}: kept, not queued or forwarded`,
      );
    } else {
      this.log[level](
        {
          id,
          source: e.source,
          signature: e.signature,
          bytes: e.bytes,
          queued: e.result.queued,
          forward: e.result.forward,
        },
        `event ${id} stored: ${describe(e.records)}`,
      );
    }
  }

  private count(e: LoggedEvent): void {
    const s = (this.summary ??= {
      count: 0,
      first: e.result.id,
      last: e.result.id,
      duplicates: 0,
      kinds: new Map(),
    });
    s.count += 1;
    s.first = Math.min(s.first, e.result.id);
    s.last = Math.max(s.last, e.result.id);
    if (e.result.duplicateOf) s.duplicates += 1;
    for (const r of e.records) s.kinds.set(r.kind, (s.kinds.get(r.kind) ?? 0) + 1);
    this.timer ??= setTimeout(
      () => this.flush(),
      Math.max(0, this.windowStart + this.opts.windowMs - this.now()),
    );
  }

  /** Writes the summary of the events logged at debug in the current window, if any. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.summary;
    this.summary = null;
    if (!s) return;
    const kinds = [...s.kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    const dup = s.duplicates ? ` (${s.duplicates} duplicate${s.duplicates === 1 ? '' : 's'})` : '';
    this.log.info(
      { first: s.first, last: s.last, count: s.count, duplicates: s.duplicates },
      `stored ${s.count} more event${s.count === 1 ? '' : 's'} #${s.first}–#${s.last} within ${this.opts.windowMs / 1000} s: ${kinds || 'no records'}${dup} (one line each at debug level)`,
    );
  }
}
