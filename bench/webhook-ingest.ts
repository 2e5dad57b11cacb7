/**
 * Webhook ingest throughput: signed POSTs (unique bodies, a realistic text message) against the real listener with
 * durability on (SQLite WAL, synchronous=FULL, group commit, whatsapp.log written), without and with Redis, versus
 * a bare Fastify route answering 200 in the same run. The load generator (autocannon) runs in its own process.
 * Prints req/s, p50/p99 latency, the ratio to the bare route, live push latency, and checks that every 2xx was
 * stored (and, with Redis, reached the stream).
 * Targets: ratio ≥ 0.5 without Redis; p99 < 15 ms at 10 connections; events:new pushed within 100 ms.
 * Run: npx tsx bench/webhook-ingest.ts [--short] [--connections N] [--duration S]
 */
import { execFile } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import type { EventSummary } from '../shared/domain/events';
import { EventBus } from '../electron/services/core/event-bus';
import { createLogging } from '../electron/services/logging/logging';
import { payloadContext, triggerBody } from '../electron/services/webhook/meta-payloads';
import { createWebhookPipeline, type WebhookPipeline } from '../electron/services/webhook/pipeline';
import { FakeSettings, freePort, startRedisServer, waitFor } from '../electron/services/webhook/test-support';

const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const argValue = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const CONNECTIONS = argValue('--connections', 10);
const DURATION = argValue('--duration', SHORT ? 3 : 10);
const WARMUP = SHORT ? 1 : 2;
const SECRET = 'benchsecret0123456789abcdef';
const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'webhook-ingest-client.mjs');

// A text message as Meta sends it, with a placeholder that makes every body (and its wamid) unique.
const TEMPLATE = triggerBody(
  'text',
  payloadContext({ wabaId: '102290129340398', phoneNumberId: '106540352242922' }),
).replace(/"id":"wamid\.[^"]+"/, '"id":"wamid.BENCH__N__"');

interface Load {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function load(url: string, duration: number, secret: string | null): Promise<Load> {
  const cfg = JSON.stringify({ url, connections: CONNECTIONS, duration, template: TEMPLATE, secret });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLIENT, cfg], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`load generator failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Load);
    });
  });
}

async function measure(url: string, secret: string | null): Promise<Load> {
  await load(url, WARMUP, secret);
  return load(url, DURATION, secret);
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function bare(): Promise<Load> {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  app.post('/bare', async () => 'ok');
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    return await measure(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/bare`, null);
  } finally {
    await app.close();
  }
}

interface DurableResult extends Load {
  stored: number;
  liveP50: number;
  liveP99: number;
  avgBatch: number;
  /** Share of the run the event loop spent inside commits. */
  busyPct: number;
  /** Stream length vs events stored in the whole run (warm-up included). */
  streamed?: number;
  storedTotal?: number;
  drainMs?: number;
  /** WAL flushes: mean duration and how many acknowledgements each covered. */
  flushMs: number;
  perFlush: number;
}

let runs = 0;
async function durable(redisUrl: string | null): Promise<DurableResult> {
  const stream = `kreo:bench:events:${process.pid}:${++runs}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-bench-'));
  const settings = new FakeSettings({
    'meta.appSecret': SECRET,
    'redis.url': redisUrl ?? '',
    'redis.stream': stream,
  });
  const logging = createLogging({ logsDir: path.join(dir, 'logs'), level: 'info', redact: () => [SECRET] });
  const bus = new EventBus();
  const live: number[] = [];
  bus.subscribe((m) => {
    if (m.event !== 'events:new') return;
    const now = Date.now();
    for (const e of m.payload as EventSummary[]) live.push(now - Date.parse(e.receivedAt));
  });
  const pipeline: WebhookPipeline = createWebhookPipeline({
    settings,
    log: logging.whatsapp.child({ module: 'webhook' }),
    bus,
    dataDir: path.join(dir, 'data'),
    publicUrl: () => null,
    options: { host: '127.0.0.1', port: 0 },
  });
  await pipeline.start();
  try {
    const url = pipeline.listenerAddress()!.url;
    await load(url, WARMUP, SECRET);
    const before = pipeline.stats().total;
    live.length = 0;
    const commits = { ...pipeline.store!.committer.stats };
    const result = await load(url, DURATION, SECRET);
    const stored = pipeline.stats().total - before;
    const c = pipeline.store!.committer.stats;
    const out: DurableResult = {
      ...result,
      stored,
      liveP50: percentile(live, 50),
      liveP99: percentile(live, 99),
      avgBatch: (c.writes - commits.writes) / Math.max(1, c.batches - commits.batches),
      busyPct: ((c.busyMs - commits.busyMs) / (DURATION * 1000)) * 100,
      flushMs: (c.syncMs - commits.syncMs) / Math.max(1, c.syncs - commits.syncs),
      perFlush: (c.syncedWrites - commits.syncedWrites) / Math.max(1, c.syncs - commits.syncs),
    };
    if (redisUrl) {
      const t0 = Date.now();
      await waitFor(() => pipeline.outboxBacklog().redis === 0, { timeoutMs: 120_000, everyMs: 50 });
      out.drainMs = Date.now() - t0;
      const r = new Redis(redisUrl);
      out.streamed = await r.xlen(stream);
      out.storedTotal = pipeline.stats().total;
      await r.del(stream);
      r.disconnect();
    }
    return out;
  } finally {
    await pipeline.dispose();
    await logging.dispose();
    bus.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
function row(label: string, r: Load, extra = ''): string {
  return `${label.padEnd(26)} ${fmt(r.rps).padStart(7)} req/s   p50 ${fmt(r.p50, 1).padStart(5)} ms   p99 ${fmt(r.p99, 1).padStart(5)} ms   non-2xx ${r.non2xx}, errors ${r.errors}${extra}`;
}
const median = (xs: number[]) => percentile(xs, 50);

/** fdatasync latency of this disk right now (4 KiB appends), so the figures can be read in context. */
function probeDisk(): { p50: number; p99: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-bench-disk-'));
  const fd = openSync(path.join(dir, 'probe'), 'w');
  const buf = Buffer.alloc(4096, 1);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    writeSync(fd, buf);
    const t = performance.now();
    fdatasyncSync(fd);
    times.push(performance.now() - t);
  }
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function main(): Promise<void> {
  const rounds = SHORT ? 1 : 3;
  const disk = probeDisk();
  console.log(
    `webhook ingest: ${CONNECTIONS} connections, ${DURATION} s per run (+${WARMUP} s warm-up), ${rounds} round(s), node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    `disk fdatasync now: p50 ${fmt(disk.p50, 2)} ms, p99 ${fmt(disk.p99, 2)} ms (every durable ack waits for one, shared by its batch)`,
  );
  console.log(`body: ${Buffer.byteLength(TEMPLATE)} bytes (a signed text message, unique per request)\n`);

  const port = await freePort();
  const redis = await startRedisServer(port);
  const bares: Load[] = [];
  const plain: DurableResult[] = [];
  const queued: DurableResult[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) console.log(`round ${round}`);
      const b = await bare();
      bares.push(b);
      console.log(row('  bare Fastify 200', b));
      const d = await durable(null);
      plain.push(d);
      console.log(
        row(
          '  durable, no Redis',
          d,
          `\n${''.padEnd(27)}stored ${d.stored}/${d.ok} acknowledged; ${fmt(d.avgBatch, 1)} writes per commit, event loop in commits ${fmt(d.busyPct)}% of the time; WAL flush ${fmt(d.flushMs, 2)} ms mean, ${fmt(d.perFlush, 1)} acks each; live push p50 ${fmt(d.liveP50)} ms p99 ${fmt(d.liveP99)} ms`,
        ),
      );
      const r = await durable(redis.url);
      queued.push(r);
      console.log(
        row(
          '  durable + Redis stream',
          r,
          `\n${''.padEnd(27)}stored ${r.stored}/${r.ok}; stream has ${r.streamed} of ${r.storedTotal} events stored (warm-up included), backlog drained ${fmt(r.drainMs ?? NaN)} ms after the run`,
        ),
      );
    }
  } finally {
    await redis.stop();
  }

  const ratios = plain.map((d, i) => d.rps / bares[i]!.rps);
  const ratiosRedis = queued.map((d, i) => d.rps / bares[i]!.rps);
  const ratio = median(ratios);
  const p99 = median(plain.map((d) => d.p99));
  const liveP99 = Math.max(...plain.map((d) => d.liveP99));
  const lost = [...plain, ...queued].reduce((n, d) => n + Math.max(0, d.ok - d.stored), 0);
  const unstreamed = queued.reduce((n, d) => n + Math.abs((d.storedTotal ?? 0) - (d.streamed ?? 0)), 0);
  console.log('');
  console.log(
    `median req/s: bare ${fmt(median(bares.map((b) => b.rps)))}, durable ${fmt(median(plain.map((d) => d.rps)))}, durable+Redis ${fmt(median(queued.map((d) => d.rps)))}`,
  );
  console.log(
    `ratio durable / bare:        ${ratio.toFixed(2)}  (target ≥ 0.50) ${ratio >= 0.5 ? 'PASS' : 'FAIL'}`,
  );
  console.log(`ratio durable+Redis / bare:  ${median(ratiosRedis).toFixed(2)}`);
  console.log(
    `p99 durable, ${CONNECTIONS} connections: ${fmt(p99, 1)} ms (target < 15 ms) ${p99 < 15 ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `events:new push p99 (worst): ${fmt(liveP99)} ms (target ≤ 100 ms) ${liveP99 <= 100 ? 'PASS' : 'FAIL'}`,
  );
  console.log(`acknowledged but not stored: ${lost} (must be 0) ${lost === 0 ? 'PASS' : 'FAIL'}`);
  console.log(
    `stream entries ≠ events stored: ${unstreamed} (must be 0) ${unstreamed === 0 ? 'PASS' : 'FAIL'}`,
  );
  // One machine-readable line for scripts/bench.mjs.
  console.log(
    JSON.stringify({
      bench: 'webhook-ingest',
      connections: CONNECTIONS,
      bareRps: Math.round(median(bares.map((b) => b.rps))),
      durableRps: Math.round(median(plain.map((d) => d.rps))),
      redisRps: Math.round(median(queued.map((d) => d.rps))),
      diskFdatasyncP50Ms: Number(disk.p50.toFixed(2)),
      targets: [
        { name: 'ratio durable/bare ≥ 0.5', value: Number(ratio.toFixed(2)), ok: ratio >= 0.5 },
        { name: `p99 < 15 ms at ${CONNECTIONS} connections`, value: p99, ok: p99 < 15 },
        { name: 'events:new p99 ≤ 100 ms', value: liveP99, ok: liveP99 <= 100 },
        { name: 'acknowledged but not stored', value: lost, ok: lost === 0 },
        { name: 'stream entries ≠ events stored', value: unstreamed, ok: unstreamed === 0 },
      ],
    }),
  );
  if (lost !== 0 || unstreamed !== 0) process.exitCode = 1;
}

await main();
