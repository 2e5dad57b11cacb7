/** A wake-up timer for the outbox workers' loops (the retry delay itself is core/backoff.ts's backoffDelay). */

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
