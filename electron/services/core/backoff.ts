/**
 * The canonical retry delay: exponential backoff with "equal jitter" (AWS architecture blog, Exponential Backoff
 * And Jitter). Used by the Graph client, the sender, the forwarder and the Redis outbox.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1 → random in [0,1); injectable for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): uniformly random in [cap/2, cap] with
 * cap = min(maxMs, baseMs·2^(attempt-1)): growing, never hammering, never synchronised across callers.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const r = (opts.random ?? Math.random)();
  return Math.round(cap / 2 + (cap / 2) * r);
}
