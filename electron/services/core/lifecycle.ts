/** Disposables and a tiny typed emitter: every service is started, then disposed in reverse order. */

export interface Disposable {
  dispose(): void | Promise<void>;
}

export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

/** Holds disposables and disposes them in reverse order of addition; errors are collected, not thrown early. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) void item.dispose();
    else this.items.push(item);
    return item;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const item of this.items.reverse()) {
      try {
        await item.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    this.items.length = 0;
    if (errors.length) throw new AggregateError(errors, 'errors while disposing');
  }
}

export type Listener<T> = (value: T) => void;

export interface EmitterOptions<T> {
  /**
   * Called when a listener throws (with the value being fired); the other listeners still run. Without it the error
   * is dropped. Whatever this hook does, `fire` never throws: an error thrown here is dropped too.
   */
  onListenerError?: (err: unknown, value: T) => void;
}

/** A typed event source. `event(listener)` returns a disposable that unsubscribes. */
export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  constructor(private readonly opts: EmitterOptions<T> = {}) {}

  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return toDisposable(() => {
      this.listeners.delete(listener);
    });
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        // A faulty listener must not break the emitter or its other listeners.
        try {
          this.opts.onListenerError?.(err, value);
        } catch {
          // Nor may a faulty error hook.
        }
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.listeners.clear();
  }
}
