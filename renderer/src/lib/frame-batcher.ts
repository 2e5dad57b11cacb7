/**
 * Collects items pushed at any rate and hands them over once per animation frame, so a burst of thousands of log
 * lines or events costs one state update per frame instead of one per push. A timeout backs up requestAnimationFrame,
 * which does not fire in hidden tabs, so memory cannot pile up unflushed.
 */

export type Scheduler = (run: () => void) => () => void;

/** requestAnimationFrame, or a timer when the frame never comes (hidden tab, background window). */
export const frameScheduler: Scheduler = (run) => {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
    run();
  };
  const raf = requestAnimationFrame(once);
  const timer = setTimeout(once, 250);
  return () => {
    done = true;
    cancelAnimationFrame(raf);
    clearTimeout(timer);
  };
};

export class FrameBatcher<T> {
  private pending: T[] = [];
  private cancel: (() => void) | null = null;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: Scheduler = frameScheduler,
  ) {}

  push(items: readonly T[]): void {
    if (items.length === 0) return;
    for (const item of items) this.pending.push(item);
    if (!this.cancel) this.cancel = this.schedule(() => this.drain());
  }

  /** Number of items waiting for the next frame. */
  get size(): number {
    return this.pending.length;
  }

  drain(): void {
    this.cancel = null;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.flush(items);
  }

  /** Drops what is pending; the batcher can be used again afterwards. */
  dispose(): void {
    this.cancel?.();
    this.cancel = null;
    this.pending = [];
  }
}
