/**
 * `tail -F` for one file: calls back with each batch of new complete lines. Woken by fs.watch on the folder and by
 * a short poll (fs.watch misses events on some file systems), so a new line shows within ~200 ms at worst.
 * Survives rotation (the file renamed away and a new one created: the rest of the old file is read first, then the
 * new one from its start) and truncation (reading restarts at 0). Works without a running host.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Disposable } from '../core/lifecycle';
import { splitLines } from './log-tail';

export interface FollowOptions {
  /** Poll interval in ms (default 150, at most 200). */
  pollMs?: number;
  /** Byte offset to start at in the current file (default: its end). Use TailStats.size to continue a tail. */
  position?: number;
  /** Keep the process alive while following (default true: the CLI's `--follow` relies on it). */
  keepAlive?: boolean;
  /** Also wake on fs.watch events (default true); false leaves only the poll. */
  watch?: boolean;
  /** Read errors other than "file missing" (the follower keeps trying). */
  onError?: (err: unknown) => void;
}

export interface FollowHandle extends Disposable {
  /** Resolves once the starting position is fixed: lines written after this are delivered. */
  readonly ready: Promise<void>;
  dispose(): Promise<void>;
}

const READ_CHUNK = 256 * 1024;
const NL = 0x0a;

export function followFile(
  file: string,
  onLines: (lines: string[]) => void,
  opts: FollowOptions = {},
): FollowHandle {
  const pollMs = Math.min(200, Math.max(10, opts.pollMs ?? 150));
  let handle: FileHandle | null = null;
  let ino = -1;
  let pos = 0;
  let partial: Buffer = Buffer.alloc(0);
  let disposed = false;
  let running: Promise<void> | null = null;
  let again = false;

  const emit = (lines: string[]) => {
    const kept = lines.filter((l) => l.trim() !== '');
    if (kept.length === 0 || disposed) return;
    try {
      onLines(kept);
    } catch {
      // A faulty listener must not stop the follower.
    }
  };

  const statOrNull = async () => {
    try {
      return await stat(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  };

  /** Reads what was appended to the open file since `pos`; restarts at 0 if it shrank (truncation). */
  const drain = async (h: FileHandle) => {
    const size = (await h.stat()).size;
    if (size < pos) {
      pos = 0;
      partial = Buffer.alloc(0);
    }
    while (pos < size && !disposed) {
      const len = Math.min(READ_CHUNK, size - pos);
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await h.read(buf, 0, len, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = Buffer.concat([partial, buf.subarray(0, bytesRead)]);
      const lastNl = data.lastIndexOf(NL);
      if (lastNl < 0) {
        partial = data;
        continue;
      }
      partial = Buffer.from(data.subarray(lastNl + 1));
      emit(splitLines(data.subarray(0, lastNl)));
    }
  };

  const closeHandle = async () => {
    const h = handle;
    handle = null;
    if (h) await h.close().catch(() => undefined);
  };

  const openCurrent = async (startAt: 'start' | 'end' | number) => {
    let h: FileHandle;
    try {
      h = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const st = await h.stat();
    handle = h;
    ino = st.ino;
    partial = Buffer.alloc(0);
    pos = startAt === 'start' ? 0 : startAt === 'end' ? st.size : Math.min(startAt, st.size);
  };

  const check = async () => {
    const st = await statOrNull();
    if (handle) {
      await drain(handle);
      if (!st || st.ino !== ino) {
        // Rotated or removed: the old file is finished; a last line without newline will never be completed.
        if (partial.length) emit(splitLines(partial));
        await closeHandle();
      }
    }
    if (!handle && st && !disposed) {
      await openCurrent('start');
      if (handle) await drain(handle);
    }
  };

  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          if (!disposed) await check();
        } catch (err) {
          opts.onError?.(err);
        }
      } while (again && !disposed);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const ready = (async () => {
    try {
      await openCurrent(opts.position ?? 'end');
    } catch (err) {
      opts.onError?.(err);
    }
  })();

  let watcher: FSWatcher | null = null;
  const base = path.basename(file);
  try {
    if (opts.watch !== false)
      watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
        if (!name || name.toString() === base) void ready.then(run);
      });
    watcher?.on('error', () => {
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null; // folder missing or watching unsupported: the poll still works
  }
  const timer = setInterval(() => void ready.then(run), pollMs);
  if (opts.keepAlive === false) timer.unref();

  return {
    ready,
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearInterval(timer);
      watcher?.close();
      await ready;
      if (running) await running;
      await closeHandle();
    },
  };
}
