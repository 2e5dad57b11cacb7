/** The tunnel seam: the manager's public face, and the driver interface the real SDK and test fakes implement. */
import type { TestConnectionResult, TunnelStartOptions, TunnelStatus } from '../../../shared/domain/tunnel';
import type { Disposable, Listener } from '../core/lifecycle';

export interface TunnelService extends Disposable {
  start(opts?: TunnelStartOptions): Promise<TunnelStatus>;
  stop(): Promise<TunnelStatus>;
  /** Restarts with the last options (port may be overridden). */
  restart(opts?: { port?: number }): Promise<TunnelStatus>;
  status(): TunnelStatus;
  /** Sends Meta's verification handshake with a random challenge through the public URL. */
  testConnection(): Promise<TestConnectionResult>;
  onDidChangeStatus(listener: Listener<TunnelStatus>): Disposable;
}

/** What the manager asks of whatever runs the ngrok SDK (a child process in production, a fake in tests). */
export interface NgrokForwardConfig {
  /** host:port of the local listener, e.g. 127.0.0.1:8000 */
  addr: string;
  authtoken: string;
  domain?: string;
  /** Advanced: an ngrok-compatible server (test peers). */
  serverAddr?: string;
  /** Advanced: PEM text of the CA that signs serverAddr. */
  caCertPem?: string;
}

export type NgrokSessionEvent =
  | { type: 'status'; status: 'connected' | 'closed' }
  | { type: 'log'; line: string }
  /** The runtime holding the session went away on its own (e.g. the child process crashed): the tunnel is down. */
  | { type: 'ended'; reason: string };

export interface NgrokDriver extends Disposable {
  /** Resolves with the public URL. Rejects with the SDK's error (message, errorCode). May never settle: callers time out. */
  forward(config: NgrokForwardConfig): Promise<{ url: string }>;
  /** Closes the listener and the agent session. Resolves at once when nothing is connected. */
  disconnect(): Promise<void>;
  /** Hard reset after a hang: the next forward() must work (e.g. kill and respawn the child process). */
  reset(): Promise<void>;
  onEvent(listener: Listener<NgrokSessionEvent>): Disposable;
}
