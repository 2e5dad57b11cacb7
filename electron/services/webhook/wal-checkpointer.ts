/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that crosses
 * `wal_autocheckpoint` pages, on the committing thread: it copies the WAL into the database and fsyncs both files
 * (≈ 10 ms per 1,000 pages on the build machine, most of it waiting for the disk), stalling every request behind it.
 * Here the writer connection has automatic checkpoints off, and a worker thread with its own connection runs
 * `PRAGMA wal_checkpoint(PASSIVE)` whenever commits have happened since its last one, at most every `intervalMs`.
 *
 * A passive checkpoint never blocks the writer, but under steady writes it never catches up either (new frames
 * land while it copies), and SQLite starts the WAL over only after a checkpoint that copied every frame. So once
 * the WAL holds `restartFrames`, the worker asks the writer to hold its commits (the event loop stays free, writes
 * just queue), copies the few frames left, and lets it go: the next commit starts the WAL from the beginning.
 *
 * Safety does not depend on the timing: the checkpointing connection runs `synchronous=NORMAL`, so SQLite fsyncs
 * the WAL before copying and the database after, and only then lets a writer reuse the WAL. Writer and worker
 * share a few counters in a SharedArrayBuffer: a commit costs an atomic add (plus a wake-up when the worker
 * sleeps). If the worker cannot start or dies, `onFailure` puts the writer back on automatic checkpoints.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Cells of the shared Int32Array.
const COMMITS = 0; // commits by the writer
const ASLEEP = 1; // 1 while the worker waits for a commit
const CLOSING = 2; // 1: the worker should close its connection and exit
const CHECKPOINTS = 3; // checkpoints run
const FAILURES = 4; // checkpoints that failed (busy, I/O)
const HOLD = 5; // 0 free; 1 the worker asks the writer to stop committing; 2 the writer has stopped
const RESTARTS = 6; // complete checkpoints after a hold (the WAL can start over)
const CELLS = 7;

/** Runs in the worker (CommonJS, evaluated from this string so no separate bundle entry is needed). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const state = new Int32Array(workerData.state);
const busy = new Float64Array(workerData.busy);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
const checkpoint = () => {
  const t = performance.now();
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    Atomics.add(state, ${CHECKPOINTS}, 1);
    return r;
  } catch {
    Atomics.add(state, ${FAILURES}, 1);
    return null;
  } finally {
    busy[0] += performance.now() - t;
  }
};
let last = Atomics.load(state, ${COMMITS});
for (;;) {
  if (Atomics.load(state, ${CLOSING})) break;
  const seen = Atomics.load(state, ${COMMITS});
  if (seen === last) {
    Atomics.store(state, ${ASLEEP}, 1);
    Atomics.wait(state, ${COMMITS}, seen);
    Atomics.store(state, ${ASLEEP}, 0);
    continue;
  }
  last = seen;
  const r = checkpoint();
  if (r && r.log >= workerData.restartFrames) {
    // Catch up with the writer held, so the WAL can start over.
    // (An idle writer never answers; then nothing is being appended anyway.)
    Atomics.store(state, ${HOLD}, 1);
    Atomics.wait(state, ${HOLD}, 1, workerData.holdWaitMs);
    const held = performance.now();
    const done = checkpoint();
    if (done && done.checkpointed === done.log) Atomics.add(state, ${RESTARTS}, 1);
    if (Atomics.exchange(state, ${HOLD}, 0) === 2) {
      parentPort.postMessage('release');
      busy[1] += performance.now() - held;
    }
    last = Atomics.load(state, ${COMMITS});
  }
  Atomics.wait(state, ${CLOSING}, 0, workerData.intervalMs);
}
db.close();
`;

export interface CheckpointerStats {
  checkpoints: number;
  failures: number;
  /** Complete checkpoints after holding the writer (each lets the WAL start over). */
  restarts: number;
  /** Time the worker spent in checkpoints (ms). */
  busyMs: number;
  /** Time the writer was held (ms, as the worker measured it). */
  heldMs: number;
}

export interface WalCheckpointerOptions {
  dbPath: string;
  /** Least time between two checkpoints (ms). Default 250 (fewer copies of pages written again and again). */
  intervalMs?: number;
  /** WAL size (frames) past which the worker holds the writer for a complete checkpoint. Default 16,000 (64 MiB). */
  restartFrames?: number;
  /** The writer let go of its commits: commit what queued meanwhile. */
  onRelease: () => void;
  /** The worker could not start or died: go back to checkpointing on the writer. */
  onFailure: (err: unknown) => void;
}

export class WalCheckpointer {
  private worker: Worker | null = null;
  private exited: Promise<void> | null = null;
  private failed = false;
  /** After close() nothing starts again (the writer's last commits, flushed by its own close, come after ours). */
  private closed = false;
  private readonly state = new Int32Array(new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT));
  private readonly busy = new Float64Array(new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT));

  constructor(private readonly opts: WalCheckpointerOptions) {}

  /** Whether checkpoints run in the worker (false before start() and after a failure). */
  get running(): boolean {
    return this.worker !== null && !this.failed;
  }

  stats(): CheckpointerStats {
    return {
      checkpoints: Atomics.load(this.state, CHECKPOINTS),
      failures: Atomics.load(this.state, FAILURES),
      restarts: Atomics.load(this.state, RESTARTS),
      busyMs: this.busy[0]!,
      heldMs: this.busy[1]!,
    };
  }

  /** Starts the worker; false when it cannot (the caller keeps automatic checkpoints). */
  start(): boolean {
    if (this.worker || this.failed || this.closed) return this.running;
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          driver,
          file: this.opts.dbPath,
          state: this.state.buffer,
          busy: this.busy.buffer,
          intervalMs: this.opts.intervalMs ?? 250,
          restartFrames: this.opts.restartFrames ?? 16_000,
          holdWaitMs: 50,
        },
      });
      worker.unref();
      this.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.on('message', () => this.opts.onRelease());
      worker.once('error', (err) => this.fail(err));
      worker.once('exit', (code) => {
        if (!Atomics.load(this.state, CLOSING)) this.fail(new Error(`checkpoint worker exited (${code})`));
      });
      this.worker = worker;
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  /** A commit happened: an atomic add, plus a wake-up only when the worker sleeps. */
  committed(): void {
    Atomics.add(this.state, COMMITS, 1);
    if (Atomics.load(this.state, ASLEEP) === 1) Atomics.notify(this.state, COMMITS);
  }

  /**
   * Whether the writer must hold its commits now. When the worker asks, this acknowledges (the worker then
   * checkpoints) and returns true until the worker lets go; `onRelease` fires then.
   */
  holding(): boolean {
    if (this.failed) return false;
    const hold = Atomics.load(this.state, HOLD);
    if (hold === 2) return true;
    if (hold !== 1 || Atomics.compareExchange(this.state, HOLD, 1, 2) !== 1) return false;
    Atomics.notify(this.state, HOLD);
    return true;
  }

  /** Lets the writer go if it is held (the worker failed or is closing). */
  private release(): void {
    if (Atomics.exchange(this.state, HOLD, 0) === 2) this.opts.onRelease();
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.opts.onFailure(err);
    this.release();
  }

  /** Stops the worker after its current checkpoint and closes its connection. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    Atomics.store(this.state, CLOSING, 1);
    Atomics.notify(this.state, COMMITS);
    Atomics.notify(this.state, CLOSING);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 5_000)));
    const outcome = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') await worker.terminate();
    this.release();
  }
}
