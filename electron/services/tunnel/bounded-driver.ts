/**
 * The tunnel manager's calls into the NgrokDriver, each bounded in time, since the SDK can hang forever: a forward
 * races the start timeout and can be cancelled by a stop; a disconnect that does not finish within its bound resets
 * the helper; a reset (a kill) is itself bounded so it never holds a caller. Trouble is logged, never thrown.
 */
import type { ModuleLogger } from '../logging/types';
import { bounded } from './tunnel-support';
import type { NgrokDriver, NgrokForwardConfig } from './types';

export type ForwardOutcome =
  | { kind: 'ok'; url: string }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'cancelled' };

/** Bound for driver.reset(): a reset is a kill, it must not hold a caller. */
const RESET_BOUND_MS = 2000;

export class BoundedDriver {
  private cancelForward: (() => void) | null = null;

  constructor(
    private readonly driver: NgrokDriver,
    private readonly log: ModuleLogger,
    private readonly bounds: { startTimeoutMs: number; stopTimeoutMs: number },
  ) {}

  /** Forwards; settles with the outcome at the latest after the start timeout. */
  forward(config: NgrokForwardConfig): Promise<ForwardOutcome> {
    return new Promise<ForwardOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'timeout' }), this.bounds.startTimeoutMs);
      const done = (outcome: ForwardOutcome) => {
        clearTimeout(timer);
        this.cancelForward = null;
        resolve(outcome);
      };
      this.cancelForward = () => done({ kind: 'cancelled' });
      Promise.resolve()
        .then(() => this.driver.forward(config))
        .then(
          ({ url }) => done({ kind: 'ok', url }),
          (error: unknown) => done({ kind: 'error', error }),
        );
    }).finally(() => {
      this.cancelForward = null;
    });
  }

  /** Settles a forward in flight as 'cancelled' (its session is the reset's business). */
  cancel(): void {
    this.cancelForward?.();
  }

  /** A graceful disconnect; the helper is reset when it fails or takes longer than the stop bound. */
  async disconnect(): Promise<void> {
    const graceful = await bounded(this.driver.disconnect(), this.bounds.stopTimeoutMs);
    if (graceful === 'ok') return;
    this.log.warning(
      {
        stopTimeoutMs: this.bounds.stopTimeoutMs,
        cause: graceful === 'timeout' ? 'timeout' : String(graceful.error),
      },
      'ngrok did not disconnect cleanly; resetting the helper',
    );
    await this.reset('disconnect failed');
  }

  async reset(reason: string): Promise<void> {
    const outcome = await bounded(this.driver.reset(), RESET_BOUND_MS);
    if (outcome === 'ok') this.log.debug({ reason }, 'ngrok helper reset');
    else
      this.log.warning(
        { reason, outcome: outcome === 'timeout' ? 'timeout' : String(outcome.error) },
        'ngrok helper reset did not finish',
      );
  }
}
