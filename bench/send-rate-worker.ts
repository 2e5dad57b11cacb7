/**
 * One sending process for bench/send-rate.ts: a Sender whose rate limiter is in-process or shared through Redis. Driven over IPC:
 * the parent sends the config, the worker answers "ready", waits for "go", sends, and reports its slots.
 */
import { GraphApi } from '../electron/services/meta/graph-api';
import { GraphClient } from '../electron/services/meta/graph-client';
import { FallbackLimiter, LocalRateLimiter, type RateLimiter } from '../electron/services/meta/rate-limiter';
import { RedisRateLimiter } from '../electron/services/meta/redis-bucket';
import { Sender } from '../electron/services/meta/sender';
import { CaptureLogger, MemorySettings } from '../electron/services/meta/test-support';

export interface WorkerConfig {
  graphUrl: string;
  token: string;
  phoneNumberId: string;
  /** Empty: in-process bucket. */
  redisUrl: string;
  key: string;
  rate: number;
  concurrency: number;
  count: number;
  id: number;
  /** > 0: block this process's event loop for up to this many ms at random moments (simulated CPU starvation). */
  stallMs?: number;
}

export interface WorkerReport {
  id: number;
  sent: number;
  failed: number;
  throttled: number;
  slots: number[];
  /** Event-loop stalls injected, and their total length (ms). */
  stalls: number;
  stalledMs: number;
  /** Share of the run spent with rateLimit.concurrency sends in flight (then the rate was not the limit). */
  atCap: number;
  backend: 'redis' | 'local';
}

/** Sends `count` messages through one Sender and reports its slots. Used in-process (local) and by the children. */
export async function runSender(
  cfg: WorkerConfig,
  go: Promise<void> = Promise.resolve(),
  onReady: () => void = () => undefined,
): Promise<WorkerReport> {
  const settings = new MemorySettings({
    meta: { accessToken: cfg.token, phoneNumberId: cfg.phoneNumberId, graphBaseUrl: cfg.graphUrl },
    redis: { url: cfg.redisUrl },
    rateLimit: { messagesPerSecond: cfg.rate, concurrency: cfg.concurrency, maxQueueSize: cfg.count + 10 },
  });
  const logger = new CaptureLogger();
  const limiter: RateLimiter = cfg.redisUrl
    ? new FallbackLimiter(new RedisRateLimiter({ url: cfg.redisUrl, key: cfg.key }), logger)
    : new LocalRateLimiter();
  if (cfg.redisUrl) await limiter.tokens(cfg.rate); // connect before the start signal
  const slots: number[] = [];
  const graph = new GraphApi(new GraphClient({ config: () => settings.get().meta }));
  const cap = capMeter(graph, cfg.concurrency);
  const sender = new Sender({
    settings,
    graph,
    limiter,
    logger,
    onSlot: (t) => slots.push(t),
  });
  onReady();
  await go;
  const started = performance.now();
  const stalls = cfg.stallMs ? startStalls(cfg.stallMs) : null;
  const outcomes = await Promise.allSettled(
    Array.from({ length: cfg.count }, (_, i) =>
      sender.sendText({ to: `1555${cfg.id}${String(i).padStart(6, '0')}`, text: `bench ${i}` }),
    ),
  );
  stalls?.stop();
  const atCap = cap.ms() / (performance.now() - started);
  const st = await sender.status();
  const backend = limiter.backend;
  await sender.dispose();
  return {
    id: cfg.id,
    sent: outcomes.filter((o) => o.status === 'fulfilled').length,
    failed: outcomes.filter((o) => o.status === 'rejected').length,
    throttled: st.throttled,
    slots,
    backend,
    stalls: stalls?.count ?? 0,
    stalledMs: Math.round(stalls?.totalMs ?? 0),
    atCap: Math.round(atCap * 1000) / 1000,
  };
}

/** Measures how long `graph` had `cap` sends in flight. */
function capMeter(graph: GraphApi, cap: number): { ms: () => number } {
  const send = graph.sendMessage.bind(graph);
  let inFlight = 0;
  let since = 0;
  let total = 0;
  graph.sendMessage = async (...args: Parameters<GraphApi['sendMessage']>) => {
    if (++inFlight === cap) since = performance.now();
    try {
      return await send(...args);
    } finally {
      if (inFlight-- === cap) total += performance.now() - since;
    }
  };
  return { ms: () => total };
}

/**
 * Blocks the event loop (Atomics.wait: the thread sleeps, no CPU burnt) for a random 50–100 % of `maxMs`, every
 * 100–500 ms: what a process that the OS does not schedule, or a long synchronous task, looks like to its timers.
 */
function startStalls(maxMs: number): { stop: () => void; count: number; totalMs: number } {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const out = { count: 0, totalMs: 0, stop: () => clearTimeout(timer) };
  let timer: NodeJS.Timeout;
  const next = () => {
    timer = setTimeout(
      () => {
        const ms = maxMs * (0.5 + Math.random() / 2);
        Atomics.wait(cell, 0, 0, ms);
        out.count++;
        out.totalMs += ms;
        next();
      },
      100 + Math.random() * 400,
    );
  };
  next();
  return out;
}

if (process.send) {
  let release!: () => void;
  const go = new Promise<void>((r) => (release = r));
  process.on('message', (msg: { type: string; config?: WorkerConfig }) => {
    if (msg.type === 'config' && msg.config) {
      void runSender(msg.config, go, () => process.send!({ type: 'ready' })).then((report) => {
        process.send!({ type: 'report', report }, () => process.exit(0));
      });
    }
    if (msg.type === 'go') release();
  });
}
