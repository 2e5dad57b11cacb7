/**
 * The last N lines of a log file, read backwards from the end in fixed-size chunks: the cost depends on N and the
 * line length, not on the file size (a 1 GiB log costs what a 1 MiB one does). Works without a running host, so the
 * CLI reads the files directly. `tailLogFile` continues into the rotated files (name.1, name.2, …) when the current
 * file holds fewer than N lines.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { LOG_FILE_NAMES, type LogFile } from '../../../shared/domain/logs';

export interface TailStats {
  /** Bytes read from disk by this call. */
  bytesRead: number;
  /** The file size when it was read: where a follower should start to miss nothing. */
  size: number;
}

export interface TailOptions {
  /** Bytes per backwards read (default 64 KiB). */
  chunkSize?: number;
  /** Filled in with what the call cost. */
  stats?: TailStats;
}

const NL = 0x0a;

/** Up to `n` last non-empty lines of `file`, oldest first. A missing file has no lines. */
export async function tailLines(file: string, n: number, opts: TailOptions = {}): Promise<string[]> {
  const stats = opts.stats ?? { bytesRead: 0, size: 0 };
  stats.bytesRead = 0;
  stats.size = 0;
  if (n <= 0) return [];
  const chunkSize = Math.max(1, opts.chunkSize ?? 64 * 1024);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const size = (await handle.stat()).size;
    stats.size = size;
    const chunks: Buffer[] = [];
    let pos = size;
    // Scan backwards counting complete non-empty lines (a newline with text after it); stop at n.
    let complete = 0;
    let content = false;
    while (pos > 0 && complete < n) {
      const len = Math.min(chunkSize, pos);
      pos -= len;
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await handle.read(buf, 0, len, pos);
      stats.bytesRead += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      chunks.unshift(chunk);
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== NL) content = true;
        else {
          if (content) complete++;
          content = false;
        }
      }
    }
    const segments = splitLines(Buffer.concat(chunks));
    if (pos > 0) segments.shift(); // starts mid-line
    return segments.filter((l) => l.trim() !== '').slice(-n);
  } finally {
    await handle.close();
  }
}

/** Splits on \n (bytes, so multi-byte characters are never cut), decodes each line and drops a trailing \r. */
export function splitLines(buf: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === NL) {
      out.push(stripCr(buf.toString('utf8', start, i)));
      start = i + 1;
    }
  }
  if (start < buf.length) out.push(stripCr(buf.toString('utf8', start)));
  return out;
}

const stripCr = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s);

/** Where a module's log lives. */
export function logFilePath(logsDir: string, file: LogFile): string {
  return path.join(logsDir, LOG_FILE_NAMES[file]);
}

/** Rotated files are name.1 (newest) … name.N (oldest); looked at only while more lines are needed. */
export const MAX_ROTATED_LOOKBACK = 20;

export async function tailLogFile(logsDir: string, file: LogFile, n: number): Promise<string[]> {
  const current = logFilePath(logsDir, file);
  let lines = await tailLines(current, n);
  for (let i = 1; i <= MAX_ROTATED_LOOKBACK && lines.length < n; i++) {
    const older = `${current}.${i}`;
    const stats: TailStats = { bytesRead: 0, size: 0 };
    const more = await tailLines(older, n - lines.length, { stats });
    if (stats.size === 0 && more.length === 0) break;
    lines = [...more, ...lines];
  }
  return lines;
}
