import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommitter, type GroupCommitterOptions } from './group-commit';
import type { Flusher } from './wal-flusher';

let dir: string;
let db: Database.Database;
let committer: GroupCommitter;

function open(opts: Partial<GroupCommitterOptions> = {}): void {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-commit-'));
  const file = path.join(dir, 't.db');
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  committer = new GroupCommitter(db, { walPath: `${file}-wal`, dbPath: file, ...opts });
}

afterEach(async () => {
  await committer.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (v: string) => () => Number(db.prepare('INSERT INTO t (v) VALUES (?)').run(v).lastInsertRowid);

describe('GroupCommitter', () => {
  it('writes queued in one turn share one transaction and one WAL flush', async () => {
    open();
    const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => committer.write(insert(`v${i}`))));
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(committer.stats).toMatchObject({
      batches: 1,
      writes: 25,
      largestBatch: 25,
      syncs: 1,
      syncedWrites: 25,
    });
  });

  it('a durable write resolves only after a flush that started after its commit', async () => {
    open();
    const first = committer.write(insert('a'));
    await new Promise((r) => setImmediate(r)); // batch 1 committed, its flush in flight
    const second = committer.write(insert('b'));
    await Promise.all([first, second]);
    expect(committer.stats.batches).toBe(2);
    expect(committer.stats.syncedWrites).toBe(2);
    // b needed a flush of its own (the one running at its commit began before it). The two overlap and either may
    // end first (the later one then acknowledges both), so they are counted once both have ended.
    await committer.close();
    expect(committer.stats.syncs).toBe(2);
  });

  it('non-durable writes resolve at commit without a flush', async () => {
    open();
    await committer.write(insert('x'), { durable: false });
    expect(committer.stats.syncs).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
  });

  it('a failing write rejects alone; the rest of its batch commits', async () => {
    open();
    const results = await Promise.allSettled([
      committer.write(insert('dup')),
      committer.write(() => {
        insert('partial')();
        return insert('dup')(); // UNIQUE violation after a partial write
      }),
      committer.write(insert('ok')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const values = (db.prepare('SELECT v FROM t ORDER BY id').all() as { v: string }[]).map((r) => r.v);
    expect(values).toEqual(['dup', 'ok']); // the failing write's partial insert was rolled back
  });

  it('a database that cannot write rejects the whole batch; a closed committer refuses writes', async () => {
    open();
    db.close();
    await expect(Promise.all([committer.write(insert('a')), committer.write(insert('b'))])).rejects.toThrow();
    db = new Database(':memory:');
    await committer.close();
    await expect(committer.write(insert('c'))).rejects.toThrow(/closed/);
  });
});

/** A flusher whose flushes end when the test says so. */
class ManualFlusher implements Flusher {
  readonly calls: { done: () => void; fail: (err: Error) => void }[] = [];
  closed = false;
  flush(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.calls.push({ done: resolve, fail: reject }));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function openWith(opts: Partial<GroupCommitterOptions>): ManualFlusher {
  const flusher = new ManualFlusher();
  open({ flusher, ...opts });
  return flusher;
}

const turn = () => new Promise((r) => setImmediate(r));
const count = () => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;

/** Tracks when each promise settles, in order. */
function track<T>(log: string[], name: string, p: Promise<T>): Promise<T> {
  p.then(
    () => log.push(`${name} ok`),
    () => log.push(`${name} failed`),
  );
  return p;
}

describe('GroupCommitter with a slow disk', () => {
  it('commits arrivals at once while a flush is in flight; each ack waits for a flush that started after its commit', async () => {
    const flusher = openWith({ maxFlushes: 1 });
    const log: string[] = [];
    const a = track(log, 'a', committer.write(insert('a')));
    await turn();
    expect(count()).toBe(1); // a committed
    expect(flusher.calls).toHaveLength(1); // flush 1 (covers a) in flight

    const b = track(log, 'b', committer.write(insert('b')));
    await turn();
    expect(count()).toBe(2); // b committed without waiting for flush 1...
    expect(flusher.calls).toHaveLength(1); // ...but flush 1 started before b's commit: b waits for the next one
    expect(log).toEqual([]);

    log.push('flush 1 done');
    flusher.calls[0]!.done();
    await a;
    await turn();
    expect(log).toEqual(['flush 1 done', 'a ok']); // b is not acknowledged by a flush that began before it
    expect(flusher.calls).toHaveLength(2); // flush 2 started the moment flush 1 ended

    log.push('flush 2 done');
    flusher.calls[1]!.done();
    await b;
    expect(log).toEqual(['flush 1 done', 'a ok', 'flush 2 done', 'b ok']);
    expect(committer.stats).toMatchObject({ batches: 2, syncs: 2, syncedWrites: 2 });
  });

  it('with overlapping flushes (the default), a later flush that ends first acknowledges every commit made before it began', async () => {
    const flusher = openWith({});
    const log: string[] = [];
    const a = track(log, 'a', committer.write(insert('a')));
    await turn();
    const b = track(log, 'b', committer.write(insert('b')));
    await turn();
    expect(flusher.calls).toHaveLength(2); // flush 2 began at b's commit, while flush 1 was still running
    const c = track(log, 'c', committer.write(insert('c')));
    await turn();
    expect(flusher.calls).toHaveLength(2); // at most two in flight: c waits

    flusher.calls[1]!.done(); // flush 2 (covers a and b) ends before flush 1
    await Promise.all([a, b]);
    await turn();
    expect(log).toEqual(['a ok', 'b ok']);
    expect(flusher.calls).toHaveLength(3); // a slot freed: c's flush starts
    flusher.calls[0]!.done(); // flush 1 ending late acknowledges nothing new
    await turn();
    expect(log).toEqual(['a ok', 'b ok']);
    flusher.calls[2]!.done();
    await c;
    expect(log).toEqual(['a ok', 'b ok', 'c ok']);
  });

  it('a failed flush fails every write committed until then (never a false ack); later writes get their own flush', async () => {
    const flusher = openWith({ maxFlushes: 1 });
    const a = committer.write(insert('a'));
    await turn();
    const b = committer.write(insert('b')); // committed while flush 1 runs
    await turn();
    flusher.calls[0]!.fail(new Error('EIO: disk gone'));
    await expect(a).rejects.toThrow(/EIO/);
    await expect(b).rejects.toThrow(/EIO/);
    expect(flusher.calls).toHaveLength(1); // nothing left to flush for them

    const c = committer.write(insert('c'));
    await turn();
    expect(flusher.calls).toHaveLength(2);
    flusher.calls[1]!.done();
    await expect(c).resolves.toBe(3);
  });

  it('when one of two overlapping flushes fails, the other succeeding acknowledges nothing it shared with it', async () => {
    const flusher = openWith({});
    const a = committer.write(insert('a'));
    await turn();
    const b = committer.write(insert('b'));
    await turn();
    expect(flusher.calls).toHaveLength(2); // flush 1 covers a; flush 2 covers a and b
    flusher.calls[0]!.fail(new Error('EIO'));
    await expect(a).rejects.toThrow(/EIO/);
    await expect(b).rejects.toThrow(/EIO/); // committed before the error was known: not trusted either
    flusher.calls[1]!.done(); // may report success after the kernel dropped flush 1's pages
    const c = committer.write(insert('c'));
    await turn();
    flusher.calls[2]!.done();
    await expect(c).resolves.toBe(3);
    expect(committer.stats.syncedWrites).toBe(1);
  });

  it('while the checkpointer holds commits, writes queue; they commit and flush once it lets go', async () => {
    let holding = true;
    const flusher = openWith({ holding: () => holding });
    const a = committer.write(insert('a'));
    await turn();
    expect(count()).toBe(0);
    expect(flusher.calls).toHaveLength(0);
    holding = false;
    committer.flush(); // what the checkpointer's release does
    expect(count()).toBe(1);
    flusher.calls[0]!.done();
    await expect(a).resolves.toBe(1);
  });

  it('close() commits what is queued and waits for the flush that covers it', async () => {
    const flusher = openWith({});
    const a = committer.write(insert('a'));
    let closed = false;
    const closing = committer.close().then(() => (closed = true));
    expect(count()).toBe(1);
    await turn();
    expect(closed).toBe(false);
    flusher.calls[0]!.done();
    await closing;
    await expect(a).resolves.toBe(1);
    expect(flusher.closed).toBe(true);
  });
});
