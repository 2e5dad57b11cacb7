/**
 * Group commit for the event store: every write queued during one turn of the event loop runs in ONE transaction,
 * flushed on setImmediate, so requests arriving together share one WAL fsync. Each write runs in its own savepoint
 * (a failing write rejects only its own promise); a failing COMMIT rejects them all. A batch is committed with
 * `synchronous=FULL` when any write in it asked for durability (an acknowledgement depends on it), otherwise with
 * NORMAL (bookkeeping that can be redone after a crash: parsed records, outbox progress).
 */
import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface CommitStats {
  batches: number;
  writes: number;
  largestBatch: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private sync: 'FULL' | 'NORMAL' | null = null;
  readonly stats: CommitStats = { batches: 0, writes: 0, largestBatch: 0 };

  constructor(private readonly db: Database.Database) {}

  /** Queues `fn` to run inside the next batch transaction; resolves with its result once committed. */
  write<T>(fn: () => T, opts: { durable?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        durable: opts.durable ?? true,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs everything queued now (also used before close). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      const sync = batch.some((p) => p.durable) ? 'FULL' : 'NORMAL';
      if (sync !== this.sync) {
        this.db.pragma(`synchronous = ${sync}`);
        this.sync = sync;
      }
      this.db.transaction(() => {
        for (const p of batch) {
          try {
            results.push({ ok: true, value: this.db.transaction(p.fn)() });
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      })();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    this.stats.batches += 1;
    this.stats.writes += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve(r.value);
      else p.reject(r.value);
    });
  }

  /** Flushes what is queued and refuses further writes. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
    }
  }
}
