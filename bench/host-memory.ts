/**
 * Host memory: a real headless host process (`kreo serve` on a temp home, secrets in the 0600 file, no tunnel),
 * its resident set size sampled from outside while it is idle and then while signed events are stored through its
 * webhook listener in steps up to 100,000. The baseline is the same process idle: each step prints its RSS and the
 * ratio to idle. Targets: under 150 MB after 100,000 stored events, and flat as events grow (the RSS added per
 * further 10,000 events stays small once the first step has warmed the caches).
 * The host runs as `npm start` and the background host run it: with the host's node flags (host-node-flags.ts), from
 * the bundle `npm run build` makes (out/main/cli.js through bin/kreo.js), when that bundle is newer than every source file; otherwise from the sources through tsx, whose
 * loader keeps its own tens of MB (source maps, transforms): the figures are then printed, but the memory target
 * is only judged on the bundle. `--built` / `--tsx` force one or the other.
 * Run: npx tsx bench/host-memory.ts [--short] [--built | --tsx] [--events N] [--steps N]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withHostNodeFlags } from '../electron/cli/host-node-flags';
import { clientFor, probeHost, type ControlClient } from '../electron/services/control/control-client';
import { readLiveDiscovery } from '../electron/services/control/discovery';
import { payloadContext, triggerBody } from '../electron/services/webhook/meta-payloads';
import { signBody } from '../electron/services/webhook/signature';
import { freePort } from '../test/support/net';

const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const FORCE_BUILT = args.includes('--built');
const FORCE_TSX = args.includes('--tsx');
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const EVENTS = arg('events', SHORT ? 5_000 : 100_000);
const STEPS = arg('steps', SHORT ? 2 : 4);
const SETTLE_MS = SHORT ? 1_000 : 3_000;
const IDLE_MS = SHORT ? 1_500 : 5_000;
const CONCURRENCY = 16;
const LIMIT_MB = 150;
/** "Flat": after the first step, each further 10,000 events may add at most this much RSS. */
const FLAT_MB_PER_10K = 3;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'benchmemsecret0123456789abcdef';

/** Resident set size of `pid` in MB, read from /proc (Linux) or ps (macOS). */
function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
    if (Number.isFinite(kb)) return kb / 1024;
  } catch {}
  return (
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) / 1024
  );
}
const require = createRequire(import.meta.url);

/** Newest modification time of the sources the CLI bundle is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const dir of ['electron', 'shared']) walk(path.join(ROOT, dir));
  return newest;
}

/** Samples RSS every 100 ms for `ms`; returns the median and the max. */
async function sample(pid: number, ms: number): Promise<{ median: number; max: number }> {
  const values: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    values.push(rssMb(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  values.sort((a, b) => a - b);
  return { median: values[Math.floor(values.length / 2)]!, max: values[values.length - 1]! };
}

// A text message as Meta sends it; the wamid makes every body unique (no duplicates are skipped).
const TEMPLATE = triggerBody(
  'text',
  payloadContext({ wabaId: '102290129340398', phoneNumberId: '106540352242922' }),
).replace(/"id":"wamid\.[^"]+"/, '"id":"wamid.MEM__N__"');

async function postEvents(url: string, from: number, to: number): Promise<{ ok: number; failed: number }> {
  let next = from;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    while (next < to) {
      const n = next++;
      const body = Buffer.from(TEMPLATE.replace('__N__', String(n).padStart(8, '0')));
      try {
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(SECRET, body) },
        });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { ok, failed };
}

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'kreo-bench-mem-'));
  const webhookPort = await freePort();
  const built = path.join(ROOT, 'out/main/cli.js');
  if (FORCE_BUILT && !existsSync(built))
    throw new Error('--built needs out/main/cli.js: run "npm run build" first');
  const fresh = existsSync(built) && statSync(built).mtimeMs >= newestSource();
  const BUILT = FORCE_BUILT || (!FORCE_TSX && fresh);
  // bin/kreo.js is the installed command: it runs out/main/cli.js when it exists.
  const entry = BUILT
    ? [path.join(ROOT, 'bin/kreo.js')]
    : ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(ROOT, 'electron/cli/main.ts')];
  const child = spawn(process.execPath, [...withHostNodeFlags(entry), '--home', home, 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KREO_SECRETS_BACKEND: 'file',
      KREO_SERVER_PORT: String(webhookPort),
      KREO_META_APP_SECRET: SECRET,
      KREO_META_GRAPH_BASE_URL: 'http://127.0.0.1:9',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const pid = child.pid!;
  let client: ControlClient | null = null;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(`host exited while starting:\n${output}`);
      if (Date.now() > deadline) throw new Error(`host not ready:\n${output}`);
      const d = readLiveDiscovery(path.join(home, 'run/host.json'));
      if (d?.pid === pid && (await probeHost(d, 1000))) {
        client = clientFor(d);
        if ((await client.invoke('host:info')).listening) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = `http://127.0.0.1:${webhookPort}/webhook`;
    console.log(
      `host memory: one headless host process (${BUILT ? 'built bundle' : `sources via tsx${fresh ? '' : '; no up-to-date build, run "npm run build" for the shipped figure'}`}), Node ${process.version}, ` +
        `${EVENTS.toLocaleString('en')} signed events in ${STEPS} steps, ${CONCURRENCY} connections${SHORT ? ', short' : ''}`,
    );
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const idle = await sample(pid, IDLE_MS);
    console.log(`idle: RSS ${idle.median.toFixed(1)} MB (max ${idle.max.toFixed(1)})  ← baseline`);

    const rows: { events: number; rss: number; max: number; ratio: number; rate: number }[] = [];
    let stored = 0;
    let failed = 0;
    let peak = idle.max;
    for (let step = 1; step <= STEPS; step++) {
      const target = Math.round((EVENTS * step) / STEPS);
      const t0 = performance.now();
      let during = 0;
      const watcher = setInterval(() => (during = Math.max(during, rssMb(pid))), 200);
      const r = await postEvents(url, stored + failed, target);
      clearInterval(watcher);
      const secs = (performance.now() - t0) / 1000;
      stored += r.ok;
      failed += r.failed;
      await new Promise((res) => setTimeout(res, SETTLE_MS));
      const s = await sample(pid, SHORT ? 1_000 : 2_000);
      peak = Math.max(peak, during, s.max);
      rows.push({
        events: stored,
        rss: s.median,
        max: Math.max(during, s.max),
        ratio: s.median / idle.median,
        rate: r.ok / secs,
      });
      console.log(
        `${stored.toLocaleString('en').padStart(8)} events: RSS ${s.median.toFixed(1)} MB (peak while storing ${Math.max(during, s.max).toFixed(1)}), ` +
          `ratio to idle ${(s.median / idle.median).toFixed(2)}, ${Math.round(r.ok / secs)} events/s`,
      );
    }
    const stats = await client!.invoke('events:stats');
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const per10k = rows.length > 1 ? ((last.rss - first.rss) / (last.events - first.events)) * 10_000 : 0;
    const under = last.rss < LIMIT_MB && peak < LIMIT_MB;
    const flat = per10k <= FLAT_MB_PER_10K;
    console.log(
      `stored (events:stats): ${stats.total.toLocaleString('en')} of ${stored.toLocaleString('en')} acknowledged, ${failed} refused ` +
        `${stats.total === stored && failed === 0 ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `RSS after ${last.events.toLocaleString('en')} events: ${last.rss.toFixed(1)} MB, peak ${peak.toFixed(1)} MB (target < ${LIMIT_MB} MB) ` +
        (BUILT ? (under ? 'PASS' : 'FAIL') : '(judged on the built bundle only: tsx keeps its own memory)'),
    );
    console.log(
      `growth after the first step: ${per10k.toFixed(2)} MB per 10,000 events (target ≤ ${FLAT_MB_PER_10K}) ` +
        (SHORT ? '(not meaningful on a short run: caches are still warming up)' : flat ? 'PASS' : 'FAIL'),
    );
    console.log(
      JSON.stringify({
        bench: 'host-memory',
        short: SHORT,
        built: BUILT,
        idleMb: +idle.median.toFixed(1),
        rows: rows.map((r) => ({
          ...r,
          rss: +r.rss.toFixed(1),
          max: +r.max.toFixed(1),
          ratio: +r.ratio.toFixed(2),
          rate: Math.round(r.rate),
        })),
        peakMb: +peak.toFixed(1),
        mbPer10k: +per10k.toFixed(2),
        targets: [
          ...(BUILT ? [{ name: `RSS < ${LIMIT_MB} MB`, value: +peak.toFixed(1), ok: under }] : []),
          ...(SHORT
            ? []
            : [{ name: `flat (≤ ${FLAT_MB_PER_10K} MB / 10k events)`, value: +per10k.toFixed(2), ok: flat }]),
          { name: 'every 200 stored', value: stats.total, ok: stats.total === stored && failed === 0 },
        ],
      }),
    );
    // Lost events or a dead host are failures; a missed memory target is reported, not fatal (noisy machines).
    process.exitCode = stats.total === stored && failed === 0 ? 0 : 1;
  } finally {
    client?.close();
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(timer);
    }
    rmSync(home, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
