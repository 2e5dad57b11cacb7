/**
 * Outbound messages: a bounded queue (rateLimit.maxQueueSize; full → SEND_QUEUE_FULL), at most
 * rateLimit.concurrency sends in flight, and rateLimit.messagesPerSecond through the rate limiter (shared through
 * Redis when configured). One dispatch loop asks the limiter for as many grants as there are sends waiting and free
 * places in flight, starts what it is granted and sleeps until it is told to ask again; woken late, it is granted the
 * slots it missed in one batch (see grant-window.ts). Meta's throttling answers (130429, 80007, 4) push every later
 * slot back and lower the rate for a while; 131056 (pair limit) holds only that message; transient failures are
 * retried with backoff (send-failures.ts decides which).
 */
import type {
  RateLimitStatus,
  SendResult,
  SendTemplateInput,
  SendTextInput,
} from '../../../shared/domain/meta';
import { KreoError, toErrorInfo } from '../../../shared/errors';
import type { EventBus } from '../core/event-bus';
import type { ModuleLogger } from '../logging/types';
import type { GraphApi } from './graph-api';
import { Deque } from './deque';
import {
  missingSendSettings,
  queueFullError,
  templateMessage,
  textMessage,
  type OutboundMessage,
} from './outbound-messages';
import { failureAction, ThrottleGovernor } from './send-failures';
import type { Grant, RateLimiter } from './rate-limiter';
import type { SettingsReader } from './types';

export interface SenderDeps {
  settings: SettingsReader;
  graph: GraphApi;
  limiter: RateLimiter;
  logger: ModuleLogger;
  bus?: Pick<EventBus, 'publish'>;
  /** Attempts for transient failures (5xx, network). Default 6. */
  maxAttempts?: number;
  /** Retries after throttling answers before giving up. Default 20. */
  maxThrottleRetries?: number;
  /** First pause after a throughput answer; doubles while they keep coming. */
  throttlePauseMs?: number;
  throttlePauseMaxMs?: number;
  /** Hold for one recipient after 131056. */
  pairHoldMs?: number;
  /** How long the lowered rate takes to climb back to the configured one. */
  recoverMs?: number;
  statusIntervalMs?: number;
  /**
   * How far back slots missed while sends were waiting (a stalled process, a late timer) are caught up, in ms;
   * the limiter caps it at its one-second window. 0 = never: strictly paced. Default 1000.
   */
  catchUpMs?: number;
  /** Called with every grant used for a send, on the limiter's clock (benchmarks and tests measure windows on it). */
  onSlot?: (slotMs: number) => void;
}

interface Job {
  to: string;
  payload: Record<string, unknown>;
  enqueuedAt: number;
  startedAt: number;
  attempts: number;
  /** Throttling answers this message got (bounded separately from other failures). */
  throttles: number;
  /** When (local clock) its current attempt was granted: throttle answers for sends granted before the last penalty
   * add no new penalty (they were already on their way). */
  grantedAt: number;
  resolve: (r: SendResult) => void;
  reject: (e: unknown) => void;
}

function stopped(): KreoError {
  return new KreoError(
    'UNAVAILABLE',
    'The sender stopped before the message was sent.',
    'Send it again once the panel runs.',
  );
}

export class Sender {
  private readonly ready = new Deque<Job>();
  private readonly delayed = new Map<Job, NodeJS.Timeout>();
  private inFlight = 0;
  /** The dispatch loop runs (at most one). */
  private dispatching = false;
  /** Since when (local clock) sends have been waiting without a break; 0 = none waiting. */
  private waitingSince = 0;
  /** The dispatch loop's sleep until it may ask the limiter again. */
  private nap: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  private readonly counts = { sent: 0, failed: 0, throttled: 0, rejected: 0 };
  private readonly completions: number[] = [];
  private readonly throttling: ThrottleGovernor;
  private statusTimer: NodeJS.Timeout | null = null;
  private idleTicks = 0;
  private disposed = false;

  constructor(private readonly deps: SenderDeps) {
    this.throttling = new ThrottleGovernor({
      ...(deps.throttlePauseMs !== undefined ? { pauseMs: deps.throttlePauseMs } : {}),
      ...(deps.throttlePauseMaxMs !== undefined ? { pauseMaxMs: deps.throttlePauseMaxMs } : {}),
      ...(deps.recoverMs !== undefined ? { recoverMs: deps.recoverMs } : {}),
    });
  }

  sendText(input: SendTextInput): Promise<SendResult> {
    return this.enqueue(textMessage(input));
  }

  sendTemplate(input: SendTemplateInput): Promise<SendResult> {
    return this.enqueue(templateMessage(input));
  }

  get queueDepth(): number {
    return this.ready.length + this.delayed.size;
  }

  async status(): Promise<RateLimitStatus> {
    const rl = this.deps.settings.get().rateLimit;
    let tokens = 0;
    try {
      tokens = await this.deps.limiter.tokens(this.rate());
    } catch {
      // shown as 0
    }
    return {
      messagesPerSecond: rl.messagesPerSecond,
      concurrency: rl.concurrency,
      maxQueueSize: rl.maxQueueSize,
      currentRate: this.currentRate(),
      tokens: Math.max(0, Math.round(tokens * 100) / 100),
      queueDepth: this.queueDepth,
      inFlight: this.inFlight,
      ...this.counts,
      backend: this.deps.limiter.backend,
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.nap) {
      clearTimeout(this.nap.timer);
      this.nap.wake();
    }
    for (const job of this.ready.drain()) job.reject(stopped());
    for (const [job, timer] of this.delayed) {
      clearTimeout(timer);
      job.reject(stopped());
    }
    this.delayed.clear();
    await this.deps.limiter.dispose();
  }

  // --- internals ---------------------------------------------------------------------------------------------

  private enqueue({ to, payload }: OutboundMessage): Promise<SendResult> {
    const s = this.deps.settings.get();
    if (this.disposed) return Promise.reject(new KreoError('UNAVAILABLE', 'The sender has stopped.'));
    const notConfigured = missingSendSettings(s);
    if (notConfigured) return Promise.reject(notConfigured);
    if (this.queueDepth >= s.rateLimit.maxQueueSize) {
      this.counts.rejected++;
      this.deps.logger.warning({ queueDepth: this.queueDepth }, 'Outbound queue full: message refused');
      return Promise.reject(queueFullError(this.queueDepth, s.rateLimit.maxQueueSize));
    }
    return new Promise<SendResult>((resolve, reject) => {
      this.ready.push({
        to,
        payload,
        enqueuedAt: performance.now(),
        startedAt: 0,
        attempts: 0,
        throttles: 0,
        grantedAt: 0,
        resolve,
        reject,
      });
      this.startStatusPush();
      this.pump();
    });
  }

  /** The rate in use now: the configured one, lowered for a while after throttling. */
  private rate(): number {
    return this.throttling.rate(this.deps.settings.get().rateLimit.messagesPerSecond);
  }

  private currentRate(): number {
    const cutoff = performance.now() - 1000;
    while (this.completions.length && this.completions[0]! < cutoff) this.completions.shift();
    return this.completions.length;
  }

  /** Starts the dispatch loop unless it runs. */
  private pump(): void {
    if (this.dispatching || this.disposed) return;
    this.dispatching = true;
    void this.dispatch().finally(() => {
      this.dispatching = false;
      // Work that arrived while the loop was deciding to stop.
      if (this.ready.length && this.inFlight < this.deps.settings.get().rateLimit.concurrency) this.pump();
    });
  }

  /** Asks for grants while sends wait and places in flight are free; starts the granted ones; sleeps otherwise. */
  private async dispatch(): Promise<void> {
    while (!this.disposed) {
      if (!this.ready.length) {
        this.waitingSince = 0;
        return;
      }
      const now = performance.now();
      if (!this.waitingSince) this.waitingSince = now;
      const free = this.deps.settings.get().rateLimit.concurrency - this.inFlight;
      if (free <= 0) return; // a finished send calls pump()
      const wanted = Math.min(free, this.ready.length);
      const lagMs = Math.min(now - this.waitingSince, this.deps.catchUpMs ?? 1_000);
      let grant: Grant;
      try {
        grant = await this.deps.limiter.acquire(this.rate(), wanted, lagMs);
      } catch (err) {
        this.failWaiting(wanted, err);
        continue;
      }
      if (this.disposed) return;
      for (let i = 0; i < grant.granted && this.ready.length; i++)
        this.launch(this.ready.shift()!, grant.atMs);
      if (grant.granted < wanted) await this.sleep(grant.waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.nap = null;
        resolve();
      };
      // Node's timers may fire up to a millisecond early (they count from the loop's cached clock); a wake-up
      // before the slot would cost a call and, with other processes sharing the limiter, a turn.
      this.nap = { timer: setTimeout(wake, Math.ceil(Math.max(0, ms)) + 1), wake };
    });
  }

  /** The limiter itself failed (the shared one falls back by itself, so this is a broken custom limiter). */
  private failWaiting(n: number, err: unknown): void {
    for (let i = 0; i < n && this.ready.length; i++) {
      this.counts.failed++;
      this.ready
        .shift()!
        .reject(
          new KreoError(
            'SEND_FAILED',
            `The rate limiter failed: ${(err as Error).message}`,
            'Check redis.url and `kreo health`.',
          ),
        );
    }
  }

  private launch(job: Job, slotMs: number): void {
    job.grantedAt = performance.now();
    this.deps.onSlot?.(slotMs);
    this.inFlight++;
    void this.send(job).finally(() => {
      this.inFlight--;
      this.pump();
    });
  }

  private async send(job: Job): Promise<void> {
    const s = this.deps.settings.get();
    job.attempts++;
    if (job.attempts === 1) job.startedAt = performance.now();
    try {
      const answer = await this.deps.graph.sendMessage(s.meta.phoneNumberId, s.meta.accessToken, job.payload);
      this.counts.sent++;
      this.completions.push(performance.now());
      this.throttling.delivered();
      job.resolve({
        messageId: answer.messages[0]!.id,
        to: job.to,
        queuedMs: Math.round(job.startedAt - job.enqueuedAt),
        attempts: job.attempts,
      });
    } catch (err) {
      await this.onFailure(job, err);
    }
  }

  private async onFailure(job: Job, err: unknown): Promise<void> {
    const action = failureAction(err, job, {
      maxAttempts: this.deps.maxAttempts ?? 6,
      maxThrottleRetries: this.deps.maxThrottleRetries ?? 20,
      pairHoldMs: this.deps.pairHoldMs ?? 6_000,
    });
    if (action.throttle) {
      this.counts.throttled++;
      job.throttles++;
    }
    // A send that was in flight when the sender stopped: no retry, no penalty (nothing would run them).
    if (this.disposed && action.kind !== 'fail') {
      job.reject(stopped());
      return;
    }
    switch (action.kind) {
      case 'fail': {
        this.counts.failed++;
        const info = toErrorInfo(err);
        this.deps.logger.warning(
          { to: job.to, attempts: job.attempts, code: info.code, graphCode: action.graphCode },
          `Send failed: ${info.message}`,
        );
        job.reject(action.error);
        return;
      }
      case 'hold':
        this.deps.logger.info(
          { to: job.to, holdMs: action.ms },
          'Pair rate limit (131056): holding this recipient',
        );
        this.later(job, action.ms);
        return;
      case 'throttled':
        if (this.throttling.isNews(job.grantedAt)) await this.penalize(action.code);
        this.ready.unshift(job);
        return;
      case 'retry':
        this.later(job, action.ms);
    }
  }

  /** Pushes every later slot back (doubling while throttling continues) and lowers the rate for a while. */
  private async penalize(code: number): Promise<void> {
    const { pauseMs } = this.throttling.penalize(this.deps.settings.get().rateLimit.messagesPerSecond);
    this.deps.logger.warning(
      { graphCode: code, pauseMs, rate: Math.round(this.rate() * 100) / 100 },
      `Meta is throttling (code ${code}): pausing ${pauseMs} ms and lowering the rate`,
    );
    try {
      await this.deps.limiter.penalize(pauseMs / 1000);
    } catch {
      // the limiter falls back by itself; nothing to add
    }
  }

  private later(job: Job, ms: number): void {
    const timer = setTimeout(() => {
      this.delayed.delete(job);
      this.ready.unshift(job);
      this.pump();
    }, ms);
    this.delayed.set(job, timer);
  }

  private startStatusPush(): void {
    if (this.statusTimer || !this.deps.bus) return;
    this.idleTicks = 0;
    this.statusTimer = setInterval(() => {
      const idle = this.queueDepth === 0 && this.inFlight === 0;
      this.idleTicks = idle ? this.idleTicks + 1 : 0;
      void this.status().then((st) => this.deps.bus?.publish('ratelimit:status', st));
      if (this.idleTicks >= 2 && this.statusTimer) {
        clearInterval(this.statusTimer);
        this.statusTimer = null;
      }
    }, this.deps.statusIntervalMs ?? 1_000);
    this.statusTimer.unref?.();
  }
}
