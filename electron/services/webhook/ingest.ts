/**
 * Keep-before-ack: stores an accepted delivery through the group committer (durable; the promise resolves after the
 * fsync that covers it) and, off the acknowledgement path, normalises it into records, publishes it live and wakes
 * the outbox workers. Also re-parses deliveries stored before a crash that never got their records.
 */
import { createHash } from 'node:crypto';
import type { EventRecord } from '../../../shared/domain/events';
import type { ModuleLogger } from '../logging/types';
import type { EventStore, InsertedDelivery, NewDelivery } from './event-store';
import { IngestLog, type IngestLogOptions } from './ingest-log';
import type { LiveFeed } from './live';
import { normaliseBody, normalisePayload } from './parser';
import type { IncomingDelivery } from './server';
import { iso } from './store-rows';

export interface IngestorDeps {
  store: () => EventStore | null;
  /** Which outboxes a new event joins (from settings at arrival). */
  targets: () => { redis: boolean; forward: boolean };
  live: LiveFeed;
  log: ModuleLogger;
  /** Called after new events joined an outbox (wake the outbox workers; keep what they will send). */
  onQueued: (events: QueuedEvent[]) => void;
  /** How stored events are logged (per event while few, summed up per window in a burst). */
  logOptions?: Partial<IngestLogOptions>;
}

/** A stored event that joined an outbox, with its records (so workers need not read it back). */
export interface QueuedEvent {
  delivery: IncomingDelivery | StoreInput;
  result: InsertedDelivery;
  records: EventRecord[];
}

interface Stored {
  delivery: IncomingDelivery | StoreInput;
  result: InsertedDelivery;
}

export interface StoreInput extends Omit<IncomingDelivery, 'source' | 'parsed'> {
  source: NewDelivery['source'];
  parsed?: unknown;
  /** false: never a duplicate and never queued (replays of edited bodies). */
  pipeline?: boolean;
}

export function sha256(body: Uint8Array): Buffer {
  return createHash('sha256').update(body).digest();
}

/** Records are written at most this long after their event's acknowledgement, or sooner past this many. */
const RECORDS_WINDOW_MS = 50;
const RECORDS_MAX_PENDING = 500;

export class Ingestor {
  private post: Stored[] = [];
  private postScheduled = false;
  private pendingRecords: { id: number; records: EventRecord[] }[] = [];
  private recordsTimer: NodeJS.Timeout | null = null;
  private readonly ingestLog: IngestLog;

  constructor(private readonly deps: IngestorDeps) {
    this.ingestLog = new IngestLog(deps.log, deps.logOptions);
  }

  /** Resolves once durably stored; rejects when the store is unavailable or the write failed. */
  async ingest(d: IncomingDelivery | StoreInput): Promise<InsertedDelivery> {
    const store = this.deps.store();
    if (!store) throw new Error('event store is not open');
    const inPipeline = !('pipeline' in d) || d.pipeline !== false;
    const targets = inPipeline ? this.deps.targets() : { redis: false, forward: false };
    const hash = sha256(d.body);
    const input: NewDelivery = {
      receivedAt: d.receivedAt,
      source: d.source,
      signature: d.signature,
      contentType: d.contentType,
      body: d.body,
      hash,
      headers: d.headers,
      targets,
    };
    if (!inPipeline) input.dedupe = false;
    const result = await store.committer.write(() => store.insertDelivery(input), { durable: true });
    this.post.push({ delivery: d, result });
    if (!this.postScheduled) {
      this.postScheduled = true;
      setImmediate(() => this.afterAck());
    }
    return result;
  }

  /** Runs after the 200s of a batch went out: normalise, persist records, publish, wake workers. */
  private afterAck(): void {
    this.postScheduled = false;
    const batch = this.post;
    this.post = [];
    const queued: QueuedEvent[] = [];
    const changedOriginals = new Set<number>();
    const parsed: { id: number; records: EventRecord[] }[] = [];
    for (const { delivery, result } of batch) {
      const records =
        delivery.parsed !== undefined ? normalisePayload(delivery.parsed) : normaliseBody(delivery.body);
      parsed.push({ id: result.id, records });
      this.deps.live.add({
        id: result.id,
        receivedAt: iso(delivery.receivedAt),
        signature: delivery.signature,
        bodySize: delivery.body.length,
        duplicateOf: result.duplicateOf,
        duplicates: 0,
        records,
        forward: result.forward,
        queued: result.queued,
        source: delivery.source,
      });
      if (result.duplicateOf) changedOriginals.add(result.duplicateOf);
      if (result.queued === 'pending' || result.forward === 'pending')
        queued.push({ delivery, result, records });
      this.ingestLog.stored({
        result,
        records,
        source: delivery.source,
        signature: delivery.signature,
        bytes: delivery.body.length,
      });
    }
    this.pendingRecords.push(...parsed);
    if (this.pendingRecords.length >= RECORDS_MAX_PENDING) this.writeRecords();
    else this.recordsTimer ??= setTimeout(() => this.writeRecords(), RECORDS_WINDOW_MS);
    if (changedOriginals.size) this.deps.live.change(changedOriginals);
    if (queued.length) this.deps.onQueued(queued);
  }

  /**
   * Writes the records collected over the last window in one (non-durable) write: many events share the index
   * pages they touch, which keeps the WAL, and so each acknowledgement's disk flush, small.
   */
  private writeRecords(): void {
    if (this.recordsTimer) clearTimeout(this.recordsTimer);
    this.recordsTimer = null;
    const items = this.pendingRecords;
    this.pendingRecords = [];
    const store = this.deps.store();
    if (!store || items.length === 0) return;
    store.committer
      .write(
        () => {
          for (const p of items) store.insertRecords(p.id, p.records);
        },
        { durable: false },
      )
      .catch((err: unknown) =>
        this.deps.log.warning(
          { err: String(err), count: items.length },
          'records not saved yet (they are re-parsed from the stored bodies)',
        ),
      );
  }

  /** Writes pending records and the pending log summary now (before the store closes). */
  flushRecords(): void {
    this.writeRecords();
    this.ingestLog.flush();
  }

  /** Parses deliveries that were stored but never got records (a crash between ack and parse). */
  async recover(): Promise<number> {
    const store = this.deps.store();
    if (!store) return 0;
    let after = store.unparsedScanStart();
    let count = 0;
    for (;;) {
      const rows = store.unparsed(after, 200);
      if (rows.length === 0) break;
      await store.committer.write(
        () => {
          for (const row of rows) store.insertRecords(row.id, normaliseBody(row.body));
        },
        { durable: false },
      );
      count += rows.length;
      after = rows[rows.length - 1]!.id;
    }
    if (count) this.deps.log.info({ count }, `re-parsed ${count} stored event(s) that had no records`);
    return count;
  }
}
