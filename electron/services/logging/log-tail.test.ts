import {
  appendFileSync,
  mkdtempSync,
  openSync,
  closeSync,
  ftruncateSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tailLines, tailLogFile, type TailStats } from './log-tail';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-tail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (i: number) =>
  JSON.stringify({ level: 'INFO', time: '2026-01-01T00:00:00.000Z', msg: `line ${i}` });
const MiB = 1024 * 1024;

/** A file of `size` bytes whose last `tailBytes` are log lines; the rest is a hole (sparse, nothing on disk). */
function makeFile(file: string, size: number, tailBytes: number): number {
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < tailBytes; i++) {
    const l = line(i) + '\n';
    lines.push(l);
    bytes += l.length;
  }
  const text = lines.join('');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size - text.length);
  writeSync(fd, text, size - text.length);
  closeSync(fd);
  return lines.length;
}

describe('tailLines', () => {
  it('returns the last n lines, oldest first, with or without a trailing newline', async () => {
    const file = path.join(dir, 'a.log');
    writeFileSync(file, ['one', 'two', 'three', 'four'].join('\n') + '\n');
    expect(await tailLines(file, 2)).toEqual(['three', 'four']);
    expect(await tailLines(file, 10)).toEqual(['one', 'two', 'three', 'four']);
    appendFileSync(file, 'five');
    expect(await tailLines(file, 2)).toEqual(['four', 'five']);
    expect(await tailLines(file, 0)).toEqual([]);
    expect(await tailLines(path.join(dir, 'missing.log'), 5)).toEqual([]);
  });

  it('is correct across chunk boundaries, with CRLF, blank lines and multi-byte characters', async () => {
    const file = path.join(dir, 'b.log');
    const lines = Array.from({ length: 200 }, (_, i) => `línea ${i} ✓ ${'x'.repeat(i % 37)}`);
    writeFileSync(file, lines.join('\r\n') + '\r\n\n');
    for (const chunkSize of [7, 64, 1000]) {
      expect(await tailLines(file, 50, { chunkSize })).toEqual(lines.slice(-50));
      expect(await tailLines(file, 500, { chunkSize })).toEqual(lines);
    }
  });

  it('reads the same number of bytes from a 1 GiB file as from a 1 MiB one', async () => {
    const small = path.join(dir, 'small.log');
    const large = path.join(dir, 'large.log');
    makeFile(small, MiB, MiB);
    makeFile(large, 1024 * MiB, MiB);
    const s: TailStats = { bytesRead: 0, size: 0 };
    const l: TailStats = { bytesRead: 0, size: 0 };
    const fromSmall = await tailLines(small, 100, { stats: s });
    const fromLarge = await tailLines(large, 100, { stats: l });
    expect(fromLarge).toEqual(fromSmall);
    expect(fromLarge).toHaveLength(100);
    expect(l.size).toBe(1024 * MiB);
    expect(l.bytesRead).toBe(s.bytesRead);
    // 100 lines of ~70 bytes: one 64 KiB chunk, whatever the file size.
    expect(l.bytesRead).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('tailLogFile', () => {
  it('continues into rotated files when the current one is short', async () => {
    const current = path.join(dir, 'whatsapp.log');
    writeFileSync(`${current}.2`, 'a1\na2\n');
    writeFileSync(`${current}.1`, 'b1\nb2\n');
    writeFileSync(current, 'c1\n');
    expect(await tailLogFile(dir, 'whatsapp', 4)).toEqual(['a2', 'b1', 'b2', 'c1']);
    expect(await tailLogFile(dir, 'whatsapp', 1)).toEqual(['c1']);
    expect(await tailLogFile(dir, 'whatsapp', 50)).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    expect(await tailLogFile(dir, 'ngrok', 5)).toEqual([]);
  });
});
