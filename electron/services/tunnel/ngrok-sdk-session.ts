/**
 * The only code that calls `@ngrok/ngrok`: one HTTPS endpoint forwarding to the local listener, in one agent
 * session. Used inside the helper child process (ngrok-child.ts), where ChildNgrokDriver can kill a hung SDK.
 *
 * `force_new_session: true` on every forward: each start may carry a different authtoken or server, and the SDK
 * otherwise reuses the first session of the process. Any earlier session is disconnected first, so none leaks.
 * HTTPS only: the SDK's default `schemes` is `["https"]`, and nothing here changes it.
 */
import type * as NgrokModule from '@ngrok/ngrok';
import type { NgrokForwardConfig, NgrokSessionEvent } from './types';

export type NgrokSdk = Pick<typeof NgrokModule, 'forward' | 'disconnect' | 'kill'>;

/** Loads the SDK (a CommonJS napi-rs addon) from ESM or CJS callers alike. */
export async function loadNgrokSdk(): Promise<NgrokSdk> {
  const mod = (await import('@ngrok/ngrok')) as unknown as NgrokSdk & { default?: NgrokSdk };
  return typeof mod.forward === 'function' ? mod : (mod.default as NgrokSdk);
}

export class NgrokSdkSession {
  /** A forward was attempted since the last disconnect: a session (or half of one) may exist. */
  private dirty = false;

  constructor(
    private readonly sdk: NgrokSdk,
    private readonly emit: (event: NgrokSessionEvent) => void,
  ) {}

  async forward(config: NgrokForwardConfig): Promise<{ url: string }> {
    if (this.dirty) await this.disconnect();
    this.dirty = true;
    const listener = await this.sdk.forward({
      addr: config.addr,
      authtoken: config.authtoken,
      ...(config.domain ? { domain: config.domain } : {}),
      ...(config.serverAddr ? { server_addr: config.serverAddr } : {}),
      ...(config.caCertPem ? { session_ca_cert: config.caCertPem } : {}),
      force_new_session: true,
      onStatusChange: (status: string) => {
        if (status === 'connected' || status === 'closed') this.emit({ type: 'status', status });
        else this.emit({ type: 'log', line: `INFO session - status ${status}` });
      },
      onLogEvent: (line: string) => this.emit({ type: 'log', line }),
    });
    const url = listener.url();
    if (!url) throw new Error('ngrok returned no public URL for the listener');
    return { url };
  }

  async disconnect(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.sdk.disconnect();
  }
}
