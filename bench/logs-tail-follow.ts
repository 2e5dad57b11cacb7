/**
 * Log reading figures: tail cost on a 1 MiB vs a 1 GiB file (the 1 GiB one is sparse: only its last MiB holds
 * lines), and how long a new line takes to reach a follower (fs.watch + poll, and poll alone).
 * Run: npx tsx bench/logs-tail-follow.ts
 */
import { appendFileSync, closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { followFile } from '../electron/services/logging/log-follow';
import { tailLines, type TailStats } from '../electron/services/logging/log-tail';

const MiB = 1024 * 1024;
const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-bench-logs-'));

function makeFile(file: string, size: number): void {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < MiB; i++) {
    const l = `${JSON.stringify({ level: 'INFO', time: new Date(0).toISOString(), module: 'ngrok', msg: `line ${i}` })}\n`;
    parts.push(l);
    bytes += l.length;
  }
  const text = parts.join('');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size - text.length);
  writeSync(fd, text, size - text.length);
  closeSync(fd);
}

async function tailFigures(file: string, lines: number, runs = 50) {
  const stats: TailStats = { bytesRead: 0, size: 0 };
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await tailLines(file, lines, { stats });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { bytesRead: stats.bytesRead, medianMs: times[Math.floor(runs / 2)]! };
}

async function followLatency(watch: boolean, samples = 40) {
  const file = path.join(dir, `follow-${watch ? 'watch' : 'poll'}.log`);
  appendFileSync(file, '');
  let resolveLine: (() => void) | null = null;
  const follower = followFile(file, () => resolveLine?.(), { watch });
  await follower.ready;
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    // Spread writes over the poll cycle so poll-only figures show the whole range.
    await new Promise((r) => setTimeout(r, 37 + ((i * 53) % 150)));
    const arrived = new Promise<void>((r) => (resolveLine = r));
    const t = process.hrtime.bigint();
    appendFileSync(file, `line ${i}\n`);
    await arrived;
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await follower.dispose();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: latencies[latencies.length - 1]! };
}

try {
  const small = path.join(dir, 'small.log');
  const large = path.join(dir, 'large.log');
  makeFile(small, MiB);
  makeFile(large, 1024 * MiB);
  for (const n of [50, 1000]) {
    const s = await tailFigures(small, n);
    const l = await tailFigures(large, n);
    console.log(
      `tail ${n} lines: 1 MiB file ${s.bytesRead} B read, ${s.medianMs.toFixed(2)} ms | 1 GiB file ${l.bytesRead} B read, ` +
        `${l.medianMs.toFixed(2)} ms | bytes ratio ${(l.bytesRead / s.bytesRead).toFixed(2)}, time ratio ${(l.medianMs / s.medianMs).toFixed(2)}`,
    );
  }
  for (const watch of [true, false]) {
    const f = await followLatency(watch);
    console.log(
      `follow (${watch ? 'fs.watch + 150 ms poll' : 'poll only, 150 ms'}): p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, ` +
        `max ${f.max.toFixed(1)} ms (target: < 250 ms)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
