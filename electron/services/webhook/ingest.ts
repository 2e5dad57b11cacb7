/**
 * Keep-before-ack: stores an accepted delivery through the group committer (durable; the promise resolves after the
 * fsync that covers it) and, off the acknowledgement path, normalises it into records, publishes it live and wakes
 * the outbox workers. Also re-parses deliveries stored before a crash that never got their records.
 */
import { createHash } from 'node:crypto';
import type { EventRecord, EventSummary } from '../../../shared/domain/events';
import type { ModuleLogger } from '../logging/types';
import type { EventStore, InsertedDelivery, NewDelivery } from './event-store';
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
  /** Called after new non-duplicate events are stored (wake the outbox workers). */
  onQueued: () => void;
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

export class Ingestor {
  private post: Stored[] = [];
  private postScheduled = false;

  constructor(private readonly deps: IngestorDeps) {}

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
    const store = this.deps.store();
    let queued = false;
    const changedOriginals = new Set<number>();
    for (const { delivery, result } of batch) {
      const records =
        delivery.parsed !== undefined ? normalisePayload(delivery.parsed) : normaliseBody(delivery.body);
      if (store) {
        store.committer
          .write(() => store.insertRecords(result.id, records), { durable: false })
          .catch((err: unknown) =>
            this.deps.log.warning({ id: result.id, err: String(err) }, 'records not saved'),
          );
      }
      const summary: EventSummary = {
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
      };
      this.deps.live.add(summary);
      if (result.duplicateOf) changedOriginals.add(result.duplicateOf);
      if (result.queued === 'pending' || result.forward === 'pending') queued = true;
      if (result.duplicateOf) {
        this.deps.log.info(
          { id: result.id, duplicateOf: result.duplicateOf, bytes: delivery.body.length },
          `event ${result.id} is a duplicate of ${result.duplicateOf}: kept, not queued or forwarded`,
        );
      } else {
        this.deps.log.info(
          {
            id: result.id,
            source: delivery.source,
            signature: delivery.signature,
            bytes: delivery.body.length,
            queued: result.queued,
            forward: result.forward,
          },
          `event ${result.id} stored: ${describe(records)}`,
        );
      }
    }
    if (changedOriginals.size) this.deps.live.change(changedOriginals);
    if (queued) this.deps.onQueued();
  }

  /** Parses deliveries that were stored but never got records (a crash between ack and parse). */
  async recover(): Promise<number> {
    const store = this.deps.store();
    if (!store) return 0;
    let after = 0;
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
