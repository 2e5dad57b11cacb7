/**
 * What the sender does after a failed send. failureAction() decides: give up (with the error the caller sees),
 * hold one recipient (131056, the pair limit), retry at once after pushing every later slot back (Meta's
 * throughput answers 130429, 80007, 4), or retry after a backoff (5xx, transient codes, refused connections).
 * ThrottleGovernor keeps the throttling state: the pause to push the limiter back by (doubling while throttling
 * continues) and the lowered rate that climbs back to the configured one.
 */
import { KreoError } from '../../../shared/errors';
import { backoffDelay } from '../core/backoff';
import { graphCodeOf, isTransient, THROTTLE_CODES } from './graph-errors';

/** Transient failures (5xx, network) are retried 250 ms apart, doubling up to 10 s, with equal jitter. */
const RETRY_BACKOFF = { baseMs: 250, maxMs: 10_000 };
const PAIR_LIMIT_CODE = 131056;

export interface FailureLimits {
  /** Attempts for transient failures. */
  maxAttempts: number;
  /** Throttling answers one message may get before it fails. */
  maxThrottleRetries: number;
  /** Hold for one recipient after 131056, times the throttling answers it got. */
  pairHoldMs: number;
}

export type FailureAction =
  | { kind: 'fail'; error: unknown }
  | { kind: 'hold'; ms: number }
  | { kind: 'throttled'; code: number }
  | { kind: 'retry'; ms: number };

/**
 * `attempts`: sends of this message so far, this one included; `throttles`: throttling answers before this one.
 * `throttle` says whether this answer was one (the caller counts it).
 */
export function failureAction(
  err: unknown,
  job: { attempts: number; throttles: number },
  limits: FailureLimits,
): FailureAction & { throttle: boolean; graphCode: number | undefined } {
  const code = graphCodeOf(err);
  const throttle = code !== undefined && THROTTLE_CODES.has(code);
  const throttles = job.throttles + (throttle ? 1 : 0);
  const transient = isTransient(err) || (err instanceof KreoError && err.details?.network === 'refused');
  const exhausted = throttle
    ? throttles > limits.maxThrottleRetries
    : job.attempts - throttles >= limits.maxAttempts;
  const base = { throttle, graphCode: code };
  if ((!throttle && !transient) || exhausted) return { ...base, kind: 'fail', error: sendError(err) };
  if (code === PAIR_LIMIT_CODE) return { ...base, kind: 'hold', ms: limits.pairHoldMs * throttles };
  if (throttle) return { ...base, kind: 'throttled', code: code! };
  return { ...base, kind: 'retry', ms: backoffDelay(job.attempts + 1, RETRY_BACKOFF) };
}

/** A refusal of the message itself reads as SEND_FAILED; auth, permission and network errors keep their codes. */
function sendError(err: unknown): unknown {
  return err instanceof KreoError && err.code === 'META_API_ERROR'
    ? new KreoError('SEND_FAILED', err.message, err.hint, err.details)
    : err;
}

export interface ThrottleOptions {
  /** First pause after a throughput answer; doubles while they keep coming. Default 1 s. */
  pauseMs?: number;
  /** Default 30 s. */
  pauseMaxMs?: number;
  /** How long the lowered rate takes to climb back to the configured one. Default 10 s. */
  recoverMs?: number;
  now?: () => number;
}

export class ThrottleGovernor {
  private consecutive = 0;
  /** When (local clock) the last penalty was taken; 0 = never. */
  private penaltyAt = 0;
  private factorAtPenalty = 1;
  private readonly now: () => number;

  constructor(private readonly opts: ThrottleOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** The rate to use now: the configured one, lowered after throttling and climbing back over `recoverMs`. */
  rate(configured: number): number {
    if (!this.penaltyAt) return configured;
    const since = this.now() - this.penaltyAt;
    const recovered = (since / (this.opts.recoverMs ?? 10_000)) * (1 - this.factorAtPenalty);
    return configured * Math.min(1, this.factorAtPenalty + recovered);
  }

  /**
   * Whether a throttling answer for a send granted at `grantedAt` (local clock) calls for a new penalty: answers
   * for slots granted before the last penalty were already on their way.
   */
  isNews(grantedAt: number): boolean {
    return grantedAt >= this.penaltyAt;
  }

  /** Takes a penalty: the rate drops to 70 % of the current one (at least 10 % of the configured one). */
  penalize(configured: number): { pauseMs: number } {
    this.consecutive++;
    const pauseMs = Math.min(
      this.opts.pauseMaxMs ?? 30_000,
      (this.opts.pauseMs ?? 1_000) * 2 ** (this.consecutive - 1),
    );
    this.factorAtPenalty = Math.max(0.1, (this.rate(configured) / configured) * 0.7);
    this.penaltyAt = this.now();
    return { pauseMs };
  }

  /** A message went through: the next penalty pauses from the start again. */
  delivered(): void {
    this.consecutive = 0;
  }
}
