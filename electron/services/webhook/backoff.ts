/** Exponential backoff with "equal jitter" (AWS architecture blog, Exponential Backoff And Jitter) and a wake-up timer. */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1 → random in [0,1); injectable for tests. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): uniformly random in [cap/2, cap] with
 * cap = min(maxMs, baseMs·2^(attempt-1)): growing, never hammering, never synchronised across events.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const r = (opts.random ?? Math.random)();
  return Math.round(cap / 2 + (cap / 2) * r);
}

/** A wake-up timer that can be re-armed earlier and poked; used by the outbox workers' loops. */
export class Waker {
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private resolvers: (() => void)[] = [];

  /** Resolves at `at` (epoch ms) or when poked, whichever is first. */
  sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolvers.push(resolve);
      if (at < this.wakeAt) {
        this.wakeAt = at;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.poke(), Math.max(0, at - Date.now()));
      }
    });
  }

  poke(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeAt = Infinity;
    const list = this.resolvers;
    this.resolvers = [];
    for (const r of list) r();
  }
}
