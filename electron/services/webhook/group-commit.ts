/**
 * Pipelined group commit for the event store.
 *
 * Every write queued during one turn of the event loop runs in ONE SQLite transaction, committed on setImmediate,
 * whether or not a disk flush is in flight. The connection runs WAL with `synchronous=NORMAL`: a COMMIT appends to
 * the -wal file without waiting for the disk. Webhook acknowledgements do not wait here (the ingest journal is their
 * durability point); a write that asks for `durable` (the default: outbox bookkeeping, forward attempts, replays,
 * the mark before a journal segment is deleted) resolves only after an explicit fdatasync of the -wal file off the
 * event loop (wal-flusher.ts) that STARTED AFTER ITS COMMIT has finished. Commits are numbered; a flush covers
 * every commit made before it started. Up to `maxFlushes` flushes run at once (default 2): a commit made while one
 * flush is in flight starts its own at once (Linux runs concurrent fdatasyncs of one file side by side), so it waits
 * for about one flush instead of the rest of the running one plus a whole next one; with both slots busy, the next
 * flush starts the moment one ends.
 *
 * Each write runs in the batch transaction; when one throws, the batch is rolled back and redone with a savepoint
 * per write, so a failing write rejects only its own promise. A failing COMMIT rejects the batch; a failing flush
 * rejects every write committed up to that moment (after an fdatasync error the kernel may have dropped pages that
 * a concurrent or later flush would then report clean).
 */
import type Database from 'better-sqlite3';
import { FileFlusher, type Flusher } from './wal-flusher';

interface Pending {
  fn: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** A committed durable write waiting for a flush that covers commit number `seq`. */
interface Waiter {
  seq: number;
  /** performance.now() at commit */
  at: number;
  value: unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface CommitStats {
  batches: number;
  writes: number;
  largestBatch: number;
  /** Disk flushes of the WAL, and how many durable writes they resolved. */
  syncs: number;
  syncedWrites: number;
  /** Wall time from the start of a WAL flush to its end as seen by the event loop, summed and longest (ms). */
  syncMs: number;
  maxSyncMs: number;
  /** Time from a durable write's commit to its resolution (ms, summed over syncedWrites). */
  ackWaitMs: number;
  /** Time the event loop spent inside batch transactions, and the longest one (ms). */
  busyMs: number;
  maxMs: number;
}

export function emptyCommitStats(): CommitStats {
  return {
    batches: 0,
    writes: 0,
    largestBatch: 0,
    syncs: 0,
    syncedWrites: 0,
    syncMs: 0,
    maxSyncMs: 0,
    ackWaitMs: 0,
    busyMs: 0,
    maxMs: 0,
  };
}

export interface GroupCommitterOptions {
  /** The file whose flush makes a commit durable: `<db>-wal`. */
  walPath: string;
  /** Flushed instead when the WAL file is missing (e.g. right after a truncating checkpoint). */
  dbPath: string;
  /** Replaces the fdatasync of walPath (tests: slow or failing flushes). */
  flusher?: Flusher;
  /** Flushes allowed in flight at once (default 2). */
  maxFlushes?: number;
  /** Called after every successful commit (the checkpointer counts them). */
  onCommit?: () => void;
  /** True while commits must wait (the checkpointer copies the last WAL frames); flush() is called after. */
  holding?: () => boolean;
}

/** Prepared once: BEGIN/SAVEPOINT per batch and per write cost microseconds, not a statement compile each. */
function prepareSql(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT kreo_write'),
    release: db.prepare('RELEASE kreo_write'),
    rollbackTo: db.prepare('ROLLBACK TO kreo_write'),
  };
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  /** Number of the last commit that holds a durable write; flushes cover commits up to the number they saw. */
  private commitSeq = 0;
  /** Highest commit number a started flush covers. */
  private flushStartedFor = 0;
  private inFlight = 0;
  /** Committed durable writes not yet known to be on disk, in commit order. */
  private waiting: Waiter[] = [];
  private idle: (() => void)[] = [];
  private readonly sql: ReturnType<typeof prepareSql>;
  private readonly flusher: Flusher;
  private readonly maxFlushes: number;
  readonly stats: CommitStats = emptyCommitStats();

  constructor(
    private readonly db: Database.Database,
    private readonly opts: GroupCommitterOptions,
  ) {
    this.sql = prepareSql(db);
    this.flusher = opts.flusher ?? new FileFlusher(opts.walPath, opts.dbPath);
    this.maxFlushes = Math.max(1, opts.maxFlushes ?? 2);
  }

  /**
   * Queues `fn` to run inside the next batch transaction. Resolves with its result once committed and, when
   * `durable` (the default), once a flush that started after the commit has finished. `fn` must do database work
   * only: when another write of its batch fails, the batch is rolled back and run again.
   */
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

  /** Commits everything queued now; durable writes then wait for a flush that starts after this commit. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0 || (!this.closed && this.opts.holding?.())) return;
    this.commitQueued();
    this.startFlushes();
  }

  private commitQueued(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const started = performance.now();
    let results: { ok: boolean; value: unknown }[];
    try {
      // Fast path: the whole batch in one transaction. If a write throws, roll back and redo the batch with a
      // savepoint per write, so only that write fails (writes are plain database work, safe to run again).
      results = this.runBatch(batch, false) ?? this.runBatch(batch, true)!;
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    const ended = performance.now();
    const ms = ended - started;
    this.stats.busyMs += ms;
    this.stats.maxMs = Math.max(this.stats.maxMs, ms);
    this.stats.batches += 1;
    this.stats.writes += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    let seq = 0;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const r = results[i]!;
      if (!r.ok) p.reject(r.value);
      else if (!p.durable) p.resolve(r.value);
      else {
        seq ||= ++this.commitSeq;
        this.waiting.push({ seq, at: ended, value: r.value, resolve: p.resolve, reject: p.reject });
      }
    }
    this.opts.onCommit?.();
  }

  /**
   * One transaction for the batch. Without savepoints, returns null when a write threw (after rolling back);
   * with them, isolates each write. Throws when the transaction itself fails (BEGIN/COMMIT: disk, closed db).
   */
  private runBatch(batch: Pending[], savepoints: boolean): { ok: boolean; value: unknown }[] | null {
    const sql = this.sql;
    const results: { ok: boolean; value: unknown }[] = [];
    sql.begin.run();
    try {
      for (const p of batch) {
        if (!savepoints) {
          try {
            results.push({ ok: true, value: p.fn() });
          } catch {
            sql.rollback.run();
            return null;
          }
          continue;
        }
        sql.savepoint.run();
        try {
          results.push({ ok: true, value: p.fn() });
          sql.release.run();
        } catch (err) {
          sql.rollbackTo.run();
          sql.release.run();
          results.push({ ok: false, value: err });
        }
      }
      sql.commit.run();
    } catch (err) {
      if (this.db.open && this.db.inTransaction) sql.rollback.run();
      throw err;
    }
    return results;
  }

  /** Starts a flush for commits no started flush covers, while fewer than maxFlushes are in flight. */
  private startFlushes(): void {
    while (this.flushStartedFor < this.commitSeq && this.inFlight < this.maxFlushes) {
      const covers = this.commitSeq;
      this.flushStartedFor = covers;
      this.inFlight += 1;
      const started = performance.now();
      let flushing: Promise<void>;
      try {
        flushing = this.flusher.flush();
      } catch (err) {
        flushing = Promise.reject(err);
      }
      flushing.then(
        () => this.flushed(covers, started),
        (err: unknown) => this.flushFailed(err),
      );
    }
  }

  private flushed(covers: number, started: number): void {
    this.inFlight -= 1;
    const now = performance.now();
    const ms = now - started;
    this.stats.syncs += 1;
    this.stats.syncMs += ms;
    this.stats.maxSyncMs = Math.max(this.stats.maxSyncMs, ms);
    // Keep the disk busy first: what was committed during this flush gets the next one now.
    this.startFlushes();
    let n = 0;
    while (n < this.waiting.length && this.waiting[n]!.seq <= covers) n++;
    if (n) {
      const done = this.waiting.splice(0, n);
      this.stats.syncedWrites += n;
      for (const w of done) this.stats.ackWaitMs += now - w.at;
      for (const w of done) w.resolve(w.value);
    }
    this.settle();
  }

  private flushFailed(err: unknown): void {
    this.inFlight -= 1;
    // Nothing committed so far can be trusted to be on disk: fail it all (503, Meta retries).
    const failed = this.waiting;
    this.waiting = [];
    this.flushStartedFor = this.commitSeq;
    for (const w of failed) w.reject(err);
    this.settle();
  }

  private settle(): void {
    if (this.inFlight === 0 && this.waiting.length === 0) for (const fn of this.idle.splice(0)) fn();
  }

  /** Commits what is queued, waits for the flushes that cover it, and refuses further writes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    if (this.inFlight > 0 || this.waiting.length > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.flusher.close();
  }
}
