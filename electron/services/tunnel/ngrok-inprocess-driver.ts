/**
 * An NgrokDriver that calls the SDK in this process, for environments that cannot fork a helper. Its limit: after a
 * hang (a silent peer), the SDK's global session lock can block every later call in this process; `reset()` fires
 * `kill()` without waiting and starts over with a fresh session object, but cannot undo a wedged lock. The child
 * process driver (ChildNgrokDriver) is the default for that reason.
 */
import { Emitter, type Disposable, type Listener } from '../core/lifecycle';
import { loadNgrokSdk, NgrokSdkSession, type NgrokSdk } from './ngrok-sdk-session';
import type { NgrokDriver, NgrokForwardConfig, NgrokSessionEvent } from './types';

export class InProcessNgrokDriver implements NgrokDriver {
  private readonly events = new Emitter<NgrokSessionEvent>();
  private sdk: Promise<NgrokSdk> | null = null;
  private session: NgrokSdkSession | null = null;
  /** Increases on reset, so events from an abandoned session are dropped. */
  private generation = 0;

  constructor(private readonly loadSdk: () => Promise<NgrokSdk> = loadNgrokSdk) {}

  async forward(config: NgrokForwardConfig): Promise<{ url: string }> {
    return (await this.currentSession()).forward(config);
  }

  async disconnect(): Promise<void> {
    await this.session?.disconnect();
  }

  async reset(): Promise<void> {
    this.generation++;
    this.session = null;
    const sdk = this.sdk;
    if (sdk) void sdk.then((m) => m.kill()).catch(() => undefined);
  }

  onEvent(listener: Listener<NgrokSessionEvent>): Disposable {
    return this.events.event(listener);
  }

  async dispose(): Promise<void> {
    await this.reset();
    this.events.dispose();
  }

  private async currentSession(): Promise<NgrokSdkSession> {
    this.sdk ??= this.loadSdk();
    const sdk = await this.sdk;
    if (!this.session) {
      const generation = this.generation;
      this.session = new NgrokSdkSession(sdk, (event) => {
        if (generation === this.generation) this.events.fire(event);
      });
    }
    return this.session;
  }
}
