/**
 * Webhook ingest throughput: signed POSTs (unique bodies, a realistic text message) against the real listener with
 * durability on (every 200 sent after the ingest-journal write that holds the event is on disk, one write per
 * event-loop turn; the SQLite rows built from it in batches; whatsapp.log written), without and with Redis, versus a bare Fastify route answering 200 in the same run.
 *
 * The three servers run side by side and are measured in interleaved slices (bare, durable, durable + Redis, bare,
 * …), each ratio taken within one slice triple and the median reported: on a shared machine whose load changes
 * from second to second, a baseline measured minutes apart swings several-fold. The load generator (autocannon)
 * runs in its own process. Prints req/s, p50/p99 latency, the ratios, CPU time per request (this process, all
 * threads; and the load generator), where the durable path's time goes (journal writes, store transactions, checkpoints), live
 * push latency, and checks that every 2xx was stored (and, with Redis, reached the stream).
 *
 * Targets (issues 4 and 8), judged at 10 connections: ratio ≥ 0.5 without Redis and ≥ 0.4 with it, p99 < 15 ms;
 * at any concurrency: events:new pushed within 100 ms, nothing acknowledged lost, the stream complete.
 * With --floor, a fourth server is measured: the bare route that appends the body to an ingest journal (the same
 * durable write the listener makes, batched the same way) before answering, with no signature check, parsing or
 * store: the most any durable listener could reach on this disk.
 * Run: npx tsx bench/webhook-ingest.ts [--short] [--floor] [--connections N] [--slices K] [--slice-seconds S]
 */
import { execFile } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { EventSummary } from '../shared/domain/events';
import { EventBus } from '../electron/services/core/event-bus';
import { createLogging } from '../electron/services/logging/logging';
import { emptyCommitStats, type CommitStats } from '../electron/services/webhook/group-commit';
import { IngestJournal, type JournalStats } from '../electron/services/webhook/ingest-journal';
import { payloadContext, triggerBody } from '../electron/services/webhook/meta-payloads';
import { createWebhookPipeline } from '../electron/services/webhook/pipeline';
import { FakeSettings } from '../electron/services/webhook/test-support';
import { startRedisServer } from '../test/support/redis';
import { waitFor } from '../test/support/wait';
import type { CheckpointerStats } from '../electron/services/webhook/wal-checkpointer';

const args = process.argv.slice(2);
const SHORT = args.includes('--short');
/** Also measure the floor of durability: the bare route plus one journal append before its 200 (nothing else). */
const FLOOR = args.includes('--floor');
const argValue = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const CONNECTIONS = argValue('--connections', 10);
const SLICES = argValue('--slices', SHORT ? 3 : 6);
const SLICE_S = argValue('--slice-seconds', SHORT ? 1 : 2);
const WARMUP = SHORT ? 1 : 2;
const SECRET = 'benchsecret0123456789abcdef';
const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'webhook-ingest-client.mjs');
/** The concurrency the issues' speed targets are set for; other runs show their ratios without judging them. */
const TARGET_CONNECTIONS = 10;
const JUDGED = CONNECTIONS === TARGET_CONNECTIONS;

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
  /** CPU time of the load generator during the run (µs). */
  clientCpuUs: number;
  /** CPU time of this process (every thread: event loop, thread pool, checkpoint worker) during the run (µs). */
  serverCpuUs: number;
}

function load(url: string, duration: number, secret: string | null): Promise<Load> {
  const cfg = JSON.stringify({ url, connections: CONNECTIONS, duration, template: TEMPLATE, secret });
  const cpu0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLIENT, cfg], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const cpu = process.cpuUsage(cpu0);
      if (err) reject(new Error(`load generator failed: ${stderr || err.message}`));
      else
        resolve({
          ...(JSON.parse(stdout.trim().split('\n').pop()!) as Load),
          serverCpuUs: cpu.user + cpu.system,
        });
    });
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const median = (xs: number[]) => percentile(xs, 50);
const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** A server under test: where to send, and what to undo afterwards. */
interface Target {
  label: string;
  url: string;
  secret: string | null;
  slices: Load[];
  /** 2xx answers outside the measured slices (warm-up), for the stored-vs-acknowledged check. */
  warmOk: number;
  /** One measured slice. */
  measure(seconds: number): Promise<Load>;
  close(): Promise<void>;
}

interface DurableTarget extends Target {
  live: number[];
  commits: CommitStats;
  journal: JournalStats;
  checkpoints: CheckpointerStats;
  storedTotal(): number;
  drainRedis?(): Promise<{ drainMs: number; streamed: number }>;
}

/** Listens `app` on a free loopback port; its `route` is measured with unsigned POSTs. */
async function unsignedTarget(
  label: string,
  app: FastifyInstance,
  route: string,
  cleanup: () => Promise<void> = async () => undefined,
): Promise<Target> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}${route}`;
  return {
    label,
    url,
    secret: null,
    slices: [],
    warmOk: 0,
    measure: (seconds) => load(url, seconds, null),
    async close() {
      await app.close();
      await cleanup();
    },
  };
}

function startBare(): Promise<Target> {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  app.post('/bare', async () => 'ok');
  return unsignedTarget('bare Fastify 200', app, '/bare');
}

/** The bare route plus a durable journal append before each 200: the floor any durable listener sits on. */
function startFloor(): Promise<Target> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-bench-floor-'));
  const { journal } = IngestJournal.open(dir, 0, { beforeRetire: async () => undefined });
  journal.prepareAhead();
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/floor', async (request) => {
    const seq = await journal.append({}, request.body as Buffer);
    journal.applied(seq); // nothing to apply: let segments go
    return 'ok';
  });
  return unsignedTarget('floor: bare + journal', app, '/floor', async () => {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

async function startDurable(label: string, redisUrl: string | null): Promise<DurableTarget> {
  const stream = `kreo:bench:events:${process.pid}:${label.length}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-bench-'));
  const settings = new FakeSettings({
    'meta.appSecret': SECRET,
    'redis.url': redisUrl ?? '',
    'redis.stream': stream,
    // Retention must not remove events during the run: stored is checked against acknowledged.
    'store.retentionCount': 10_000_000,
  });
  const logging = createLogging({ logsDir: path.join(dir, 'logs'), level: 'info', redact: () => [SECRET] });
  const bus = new EventBus();
  const live: number[] = [];
  let measuring = false;
  bus.subscribe((m) => {
    if (m.event !== 'events:new' || !measuring) return;
    const now = Date.now();
    for (const e of m.payload as EventSummary[]) live.push(now - Date.parse(e.receivedAt));
  });
  const pipeline = createWebhookPipeline({
    settings,
    log: logging.whatsapp.child({ module: 'webhook' }),
    bus,
    dataDir: path.join(dir, 'data'),
    publicUrl: () => null,
    // The stream is not capped below what a run sends, so its length can be checked against the store.
    options: { host: '127.0.0.1', port: 0, streamMaxLen: 10_000_000 },
  });
  await pipeline.start();
  const store = pipeline.store!;
  const url = pipeline.listenerAddress()!.url;
  const target: DurableTarget = {
    label,
    url,
    secret: SECRET,
    slices: [],
    warmOk: 0,
    live,
    commits: emptyCommitStats(),
    journal: { writes: 0, frames: 0, bytes: 0, writeMs: 0, maxWriteMs: 0, segments: 0 },
    checkpoints: { checkpoints: 0, failures: 0, restarts: 0, busyMs: 0, heldMs: 0 },
    storedTotal: () => pipeline.stats().total,
    // The store's counters are summed over the measured slices only.
    async measure(seconds) {
      const c0 = { ...store.committer.stats };
      pipeline.journal!.stats.maxWriteMs = 0; // the longest write of this slice, not of the warm-up
      const j0 = { ...pipeline.journal!.stats };
      const k0 = store.checkpointer.stats();
      measuring = true;
      const result = await load(url, seconds, SECRET);
      measuring = false;
      const c1 = store.committer.stats;
      const k1 = store.checkpointer.stats();
      for (const key of Object.keys(c1) as (keyof CommitStats)[]) this.commits[key] += c1[key] - c0[key];
      const j1 = pipeline.journal!.stats;
      for (const key of Object.keys(j1) as (keyof JournalStats)[]) this.journal[key] += j1[key] - j0[key];
      // Longest values are not sums: keep the longest seen during a measured slice.
      this.journal.maxWriteMs = Math.max(
        this.journal.maxWriteMs - (j1.maxWriteMs - j0.maxWriteMs),
        j1.maxWriteMs,
      );
      for (const key of Object.keys(k1) as (keyof CheckpointerStats)[])
        this.checkpoints[key] += k1[key] - k0[key];
      return result;
    },
    async close() {
      await pipeline.dispose();
      await logging.dispose();
      bus.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (redisUrl) {
    target.drainRedis = async () => {
      const t0 = Date.now();
      await waitFor(() => pipeline.outboxBacklog().redis === 0, { timeoutMs: 120_000, everyMs: 50 });
      const drainMs = Date.now() - t0;
      const r = new Redis(redisUrl);
      const streamed = await r.xlen(stream);
      await r.del(stream);
      r.disconnect();
      return { drainMs, streamed };
    };
  }
  return target;
}

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

/** Figures of a target over all its slices. */
function summary(t: Target) {
  const ok = sum(t.slices.map((s) => s.ok));
  return {
    rps: ok / (SLICES * SLICE_S),
    ok,
    p50: median(t.slices.map((s) => s.p50)),
    p99: median(t.slices.map((s) => s.p99)),
    worstP99: Math.max(...t.slices.map((s) => s.p99)),
    cpu: sum(t.slices.map((s) => s.serverCpuUs)) / Math.max(1, ok),
    clientCpu: sum(t.slices.map((s) => s.clientCpuUs)) / Math.max(1, ok),
    failed: sum(t.slices.map((s) => s.non2xx + s.errors + s.timeouts)),
  };
}

function row(t: Target): string {
  const s = summary(t);
  return `  ${t.label.padEnd(24)} ${fmt(s.rps).padStart(6)} req/s   p50 ${fmt(s.p50, 1).padStart(4)} ms   p99 ${fmt(s.p99, 1).padStart(5)} ms (worst slice ${fmt(s.worstP99)})   CPU/req ${fmt(s.cpu).padStart(3)} µs, load generator ${fmt(s.clientCpu).padStart(3)} µs   non-2xx/errors ${s.failed}`;
}

function durableDetails(d: DurableTarget): string {
  const c = d.commits;
  const j = d.journal;
  const k = d.checkpoints;
  const pad = ''.padEnd(4);
  const busy = (ms: number) => fmt((ms / (SLICES * SLICE_S * 1000)) * 100);
  return (
    `${pad}journal: ${fmt(j.frames / Math.max(1, j.writes), 1)} events per durable write, write ${fmt(j.writeMs / Math.max(1, j.writes), 2)} ms mean (longest ${fmt(j.maxWriteMs, 1)}), ${j.segments} segments started; ` +
    `store: ${fmt(c.writes ? j.frames / c.batches : 0)} events per transaction (outbox bookkeeping included), event loop in transactions ${busy(c.busyMs)}% of the time\n` +
    `${pad}checkpoints in the worker ${k.checkpoints} (${fmt(k.busyMs)} ms), WAL restarts ${k.restarts} (writer held ${fmt(k.heldMs)} ms in all); ` +
    `events:new pushed p50 ${fmt(percentile(d.live, 50))} ms, p99 ${fmt(percentile(d.live, 99))} ms after arrival`
  );
}

async function main(): Promise<void> {
  const disk = probeDisk();
  console.log(
    `webhook ingest: ${CONNECTIONS} connections; ${SLICES} slices of ${SLICE_S} s per server, interleaved (+${WARMUP} s warm-up each); node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    `disk fdatasync now: p50 ${fmt(disk.p50, 2)} ms, p99 ${fmt(disk.p99, 2)} ms (every durable ack waits for one, shared by its batch)`,
  );
  console.log(`body: ${Buffer.byteLength(TEMPLATE)} bytes (a signed text message, unique per request)\n`);

  const redis = await startRedisServer();
  const bare = await startBare();
  const plain = await startDurable('durable, no Redis', null);
  const queued = await startDurable('durable + Redis stream', redis.url);
  const floor = FLOOR ? await startFloor() : null;
  const targets: Target[] = [bare, plain, queued, ...(floor ? [floor] : [])];
  let drain = { drainMs: NaN, streamed: NaN };
  let storedPlain = NaN;
  let storedQueued = NaN;
  try {
    for (const t of targets) t.warmOk += (await load(t.url, WARMUP, t.secret)).ok;
    console.log(
      `slice   bare req/s   durable req/s (ratio)   durable+Redis req/s (ratio)${floor ? '   floor req/s (ratio)' : ''}   load average`,
    );
    for (let i = 1; i <= SLICES; i++) {
      for (const t of targets) t.slices.push(await t.measure(SLICE_S));
      const [b, d, r, f] = targets.map((t) => t.slices.at(-1)!.rps) as [number, number, number, number?];
      const floorCol = f === undefined ? '' : `   ${fmt(f).padStart(11)} (${fmt(f / b, 2)})`;
      console.log(
        `${String(i).padStart(5)}   ${fmt(b).padStart(10)}   ${fmt(d).padStart(13)} (${fmt(d / b, 2)})   ${fmt(r).padStart(19)} (${fmt(r / b, 2)})${floorCol}   ${os.loadavg()[0]!.toFixed(1)}`,
      );
    }
    drain = await queued.drainRedis!();
    storedPlain = plain.storedTotal();
    storedQueued = queued.storedTotal();
  } finally {
    for (const t of targets) await t.close().catch(() => undefined);
    await redis.stop();
  }

  console.log('');
  console.log(row(bare));
  console.log(row(plain));
  console.log(durableDetails(plain));
  console.log(row(queued));
  console.log(durableDetails(queued));
  console.log(
    `    stream has ${drain.streamed} of ${storedQueued} events stored (warm-up included); Redis backlog drained ${fmt(drain.drainMs)} ms after the last slice`,
  );

  const ratioOf = (t: Target) => median(t.slices.map((s, i) => s.rps / bare.slices[i]!.rps));
  if (floor) {
    console.log(row(floor));
    console.log(
      `    floor / bare (median of slices): ${ratioOf(floor).toFixed(2)}: what one durable write per request costs on this disk, before any listener work`,
    );
  }
  const ratio = ratioOf(plain);
  const ratioRedis = ratioOf(queued);
  const p99 = summary(plain).p99;
  const liveP99 = Math.max(percentile(plain.live, 99), percentile(queued.live, 99));
  const acked = (t: Target) => t.warmOk + sum(t.slices.map((s) => s.ok));
  const lost = Math.max(0, acked(plain) - storedPlain) + Math.max(0, acked(queued) - storedQueued);
  const unstreamed = Math.abs(storedQueued - drain.streamed);
  const at = `at ${CONNECTIONS} connections`;
  /** The target and its verdict, or, at another concurrency, where the target is checked. */
  const judge = (target: string, ok: boolean) =>
    JUDGED
      ? `(target ${target} at ${TARGET_CONNECTIONS} connections) ${ok ? 'PASS' : 'FAIL'}`
      : `(the target, ${target}, is checked at ${TARGET_CONNECTIONS} connections: not judged here)`;
  console.log('');
  console.log(
    `ratio durable / bare ${at} (median of slices):        ${ratio.toFixed(2)}  ${judge('≥ 0.50', ratio >= 0.5)}`,
  );
  console.log(
    `ratio durable+Redis / bare ${at} (median of slices):  ${ratioRedis.toFixed(2)}  ${judge('≥ 0.40', ratioRedis >= 0.4)}`,
  );
  console.log(`p99 durable ${at} (median of slices): ${fmt(p99, 1)} ms ${judge('< 15 ms', p99 < 15)}`);
  console.log(
    `events:new push p99 (worse of the two): ${fmt(liveP99)} ms (target ≤ 100 ms) ${liveP99 <= 100 ? 'PASS' : 'FAIL'}`,
  );
  console.log(`acknowledged but not stored: ${lost} (must be 0) ${lost === 0 ? 'PASS' : 'FAIL'}`);
  console.log(
    `stream entries ≠ events stored: ${unstreamed} (must be 0) ${unstreamed === 0 ? 'PASS' : 'FAIL'}`,
  );
  const speedTargets = JUDGED
    ? [
        { name: `ratio durable/bare ≥ 0.5 ${at}`, value: Number(ratio.toFixed(2)), ok: ratio >= 0.5 },
        {
          name: `ratio durable+Redis/bare ≥ 0.4 ${at}`,
          value: Number(ratioRedis.toFixed(2)),
          ok: ratioRedis >= 0.4,
        },
        { name: `p99 < 15 ms ${at}`, value: p99, ok: p99 < 15 },
      ]
    : [];
  // One machine-readable line for scripts/bench.mjs.
  console.log(
    JSON.stringify({
      bench: 'webhook-ingest',
      connections: CONNECTIONS,
      bareRps: Math.round(summary(bare).rps),
      durableRps: Math.round(summary(plain).rps),
      redisRps: Math.round(summary(queued).rps),
      durableRatio: Number(ratio.toFixed(2)),
      redisRatio: Number(ratioRedis.toFixed(2)),
      cpuPerRequestUs: {
        bare: Math.round(summary(bare).cpu),
        durable: Math.round(summary(plain).cpu),
        redis: Math.round(summary(queued).cpu),
      },
      diskFdatasyncP50Ms: Number(disk.p50.toFixed(2)),
      targets: [
        ...speedTargets,
        { name: 'events:new p99 ≤ 100 ms', value: liveP99, ok: liveP99 <= 100 },
        { name: 'acknowledged but not stored', value: lost, ok: lost === 0 },
        { name: 'stream entries ≠ events stored', value: unstreamed, ok: unstreamed === 0 },
      ],
    }),
  );
  if (lost !== 0 || unstreamed !== 0) process.exitCode = 1;
}

await main();
