/**
 * Outbound send rate against the configured limit, measured where Meta would see it (arrivals at the Graph API
 * fake, which answers after a simulated network latency). Senders run in child processes, the fake alone here:
 *   1. one process, in-process rate limiter;
 *   2. several processes sharing one limiter in a real redis-server (one Lua script).
 * Each scenario runs twice: as is, and with every sending process's event loop blocked for 50–100 % of `--stall` ms
 * at random moments (simulated CPU starvation: timers fire late, slots pass while nobody is awake).
 * Prints achieved/configured (least-squares rate of arrivals; target within 2 %), the same over the limiter's grants,
 * and the most slots / arrivals any one-second window held (slots must not exceed the limit). Exit code 1 when a
 * window exceeds the limit or a message failed.
 * Run: npx tsx bench/send-rate.ts [--short] [--rate N] [--procs N] [--seconds S] [--stall MS (0: no stalled runs)]
 *      [--concurrency N (per process)]
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { maxInWindow, startRedisServer } from '../electron/services/meta/test-support';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake, type GraphFake } from '../test/fakes/graph-api';
import type { WorkerConfig, WorkerReport } from './send-rate-worker';

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SHORT = args.includes('--short');
const RATES = args.includes('--rate') ? [flag('rate', 80)] : SHORT ? [80] : [80, 250];
const PROCS = flag('procs', 3);
const SECONDS = flag('seconds', SHORT ? 1.5 : 6);
const STALL_MS = flag('stall', 100);
const STALLS = STALL_MS > 0 ? [0, STALL_MS] : [0];
const LATENCY_MS = 20;
// rateLimit.concurrency per process: enough that the rate, not the places in flight, limits (250/s needs 64 while
// answers take up to 250 ms, as they do here under load); 'at cap' shows when it was not.
const CONCURRENCY = flag('concurrency', 64);
const WINDOW = 1000 - 0.002; // µs slack for clock rounding

interface Figures {
  scenario: string;
  configured: number;
  messages: number;
  achieved: number;
  ratio: number;
  /** The same over the limiter's slots (what the bucket granted). */
  slotRate: number;
  maxSlotsPerSecond: number;
  maxArrivalsPerSecond: number;
  failed: number;
  throttled: number;
  /** Event-loop stalls injected across the processes, and their total length. */
  stalls: number;
  stalledMs: number;
  /** Largest share of the run a process spent with CONCURRENCY sends in flight. */
  atCap: number;
}

/** Messages per second as the least-squares slope of arrival index over time: robust to a late first or last one. */
function fittedRate(times: number[]): number {
  const n = times.length;
  if (n < 2) return 0;
  const tMean = times.reduce((a, b) => a + b, 0) / n;
  const iMean = (n - 1) / 2;
  let num = 0;
  let den = 0;
  times.forEach((t, i) => {
    num += (t - tMean) * (i - iMean);
    den += (t - tMean) ** 2;
  });
  return (num / den) * 1000;
}

function arrivalRate(fake: GraphFake, from: number): { rate: number; times: number[] } {
  const times = fake.state.sends
    .slice(from)
    .map((s) => s.at)
    .sort((a, b) => a - b);
  return { rate: fittedRate(times), times };
}

function figures(
  scenario: string,
  rate: number,
  fake: GraphFake,
  from: number,
  reports: WorkerReport[],
): Figures {
  const { rate: achieved, times } = arrivalRate(fake, from);
  const slotRate = fittedRate(reports.flatMap((r) => r.slots).sort((a, b) => a - b));
  return {
    slotRate: Math.round(slotRate * 100) / 100,
    scenario,
    configured: rate,
    messages: times.length,
    achieved: Math.round(achieved * 100) / 100,
    ratio: Math.round((achieved / rate) * 10_000) / 10_000,
    maxSlotsPerSecond: maxInWindow(
      reports.flatMap((r) => r.slots),
      WINDOW,
    ),
    maxArrivalsPerSecond: maxInWindow(times, 1000),
    failed: reports.reduce((n, r) => n + r.failed, 0),
    throttled: reports.reduce((n, r) => n + r.throttled, 0),
    stalls: reports.reduce((n, r) => n + r.stalls, 0),
    stalledMs: reports.reduce((n, r) => n + r.stalledMs, 0),
    atCap: Math.max(...reports.map((r) => r.atCap)),
  };
}

function config(
  fake: GraphFake,
  rate: number,
  count: number,
  id: number,
  redisUrl = '',
  key = '',
  stallMs = 0,
): WorkerConfig {
  return {
    graphUrl: fake.url,
    token: D.token,
    phoneNumberId: D.phoneNumberId,
    redisUrl,
    key,
    rate,
    concurrency: CONCURRENCY,
    count,
    id,
    stallMs,
  };
}

/** Runs `procs` sending child processes (the fake stays alone in this process) and measures them together. */
async function run(
  fake: GraphFake,
  rate: number,
  procs: number,
  redisUrl: string,
  stallMs: number,
): Promise<Figures> {
  const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'send-rate-worker.ts');
  const key = `kreo:ratelimit:bench-${rate}-${Date.now()}`;
  const total = Math.round(rate * SECONDS);
  const children = Array.from({ length: procs }, () =>
    fork(worker, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const ready = children.map(
    (c) =>
      new Promise<void>((resolve) =>
        c.on('message', (m: { type: string }) => m.type === 'ready' && resolve()),
      ),
  );
  const reports = children.map(
    (c) =>
      new Promise<WorkerReport>((resolve, reject) => {
        c.on(
          'message',
          (m: { type: string; report?: WorkerReport }) => m.type === 'report' && resolve(m.report!),
        );
        c.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
      }),
  );
  children.forEach((c, i) =>
    c.send({
      type: 'config',
      config: config(fake, rate, Math.round(total / procs), i + 1, redisUrl, key, stallMs),
    }),
  );
  await Promise.all(ready);
  const from = fake.state.sends.length;
  for (const c of children) c.send({ type: 'go' });
  const done = await Promise.all(reports);
  const name = `${redisUrl ? `redis, ${procs} processes` : 'local, 1 process'}${stallMs ? `, stalls ≤${stallMs}` : ''}`;
  const f = figures(name, rate, fake, from, done);
  if (redisUrl && done.some((r) => r.backend !== 'redis')) f.scenario += ' (fell back to local!)';
  return f;
}

async function main(): Promise<void> {
  const fake = await startGraphFake({ messagesPerSecond: 100_000, sendLatencyMs: LATENCY_MS });
  const redis = await startRedisServer();
  const rows: Figures[] = [];
  try {
    for (const rate of RATES) {
      for (const stall of STALLS) {
        rows.push(await run(fake, rate, 1, '', stall));
        rows.push(await run(fake, rate, PROCS, redis.url, stall));
      }
    }
  } finally {
    await redis.stop();
    await fake.close();
  }
  console.log(
    `send rate vs configured (${SECONDS} s per run, Graph fake latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY}${SHORT ? ', short' : ''})`,
  );
  console.log(
    'scenario                             configured  achieved   ratio   slot rate  max slots/1s  max arrivals/1s  failed  at cap  stalled',
  );
  let bad = false;
  for (const r of rows) {
    const within = Math.abs(r.ratio - 1) <= 0.02;
    if (r.maxSlotsPerSecond > Math.ceil(r.configured) || r.failed > 0) bad = true;
    console.log(
      `${r.scenario.padEnd(36)} ${String(r.configured).padStart(10)}  ${r.achieved.toFixed(2).padStart(8)}  ${r.ratio
        .toFixed(4)
        .padStart(
          6,
        )}${within ? ' ' : '*'}  ${r.slotRate.toFixed(2).padStart(9)}  ${String(r.maxSlotsPerSecond).padStart(12)}  ${String(r.maxArrivalsPerSecond).padStart(15)}  ${String(r.failed).padStart(6)}  ${`${Math.round(r.atCap * 100)} %`.padStart(6)}  ${r.stalls ? `${r.stalls}× ${(r.stalledMs / 1000).toFixed(1)} s` : '-'}`,
    );
  }
  console.log('(* = outside the 2 % target)');
  const targets = [
    ...rows.map((r) => ({
      name: `${r.configured}/s ${r.scenario} (within 2 %)`,
      value: r.ratio,
      ok: Math.abs(r.ratio - 1) <= 0.02,
    })),
    {
      name: 'most grants in 1 s / limit, worst run (≤ 1)',
      value: Math.max(...rows.map((r) => r.maxSlotsPerSecond / Math.ceil(r.configured))),
      ok: rows.every((r) => r.maxSlotsPerSecond <= Math.ceil(r.configured)),
    },
  ];
  console.log(JSON.stringify({ bench: 'send-rate', short: SHORT, rows, targets }));
  process.exitCode = bad ? 1 : 0;
}

void main();
