/** The services host's public face: what Electron main, `kreo serve` and tests get from `createHost`. */
import type { Handlers, RequestChannel } from '../../../shared/contract';
import type { HostInfo } from '../../../shared/domain/host';
import type { ControlService } from '../control/control-service';
import type { EventBus } from '../core/event-bus';
import type { HomePaths } from '../core/home';
import type { Disposable, Listener } from '../core/lifecycle';
import type { Logging } from '../logging/types';
import type { MetaServices } from '../meta/create-meta-services';
import type { SecretStoreBackend, StoreFactory } from '../settings';
import type { SettingsService } from '../settings/types';
import type { NgrokDriver, TunnelService } from '../tunnel/types';
import type { WebhookPipeline } from '../webhook/pipeline';
import type { PartFailure } from './host-lifecycle';
import type { Invoke } from './invoke';

export interface HostOptions {
  /** Home folder; default KREO_HOME or the per-user app data folder. */
  home?: string;
  mode: 'desktop' | 'headless';
  /** Environment for settings overrides and child processes; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** conf by default; Electron main passes an electron-store factory. */
  settingsStoreFactory?: StoreFactory;
  /** The OS keychain; null forces the 0600 secrets file (tests). */
  keychain?: SecretStoreBackend | null;
  /** What runs the ngrok SDK; default a child process (recoverable after a hang). Tests pass a fake. */
  ngrokDriver?: NgrokDriver;
  /** Control API port; 0 or undefined = random. Never the webhook port. */
  controlPort?: number;
  /** false: no control API (and no discovery file). Default true. */
  control?: boolean;
  /** The renderer build served at / in browser mode; default <app>/out/renderer. */
  rendererDir?: string;
  /** fetch for outbound HTTP (tunnel test, Meta); tests pass one that only reaches loopback fakes. */
  fetch?: typeof fetch;
  /** Tunnel start timeout (default the manager's). */
  tunnelStartTimeoutMs?: number;
}

export interface Host extends Disposable {
  readonly mode: 'desktop' | 'headless';
  readonly paths: HomePaths;
  readonly version: string;
  readonly bus: EventBus;
  /** Every request channel's handler (channels whose domain has not landed throw UNAVAILABLE). */
  readonly handlers: Handlers;
  /** The channels still answered by a placeholder. */
  readonly unavailableChannels: readonly RequestChannel[];
  /** The one dispatcher: parses input with the contract, calls the handler, returns a Result. */
  readonly invoke: Invoke;
  readonly settings: SettingsService;
  readonly logging: Logging;
  readonly tunnel: TunnelService;
  readonly webhook: WebhookPipeline;
  /** Registration, health and the rate-limited sender. */
  readonly meta: MetaServices;
  /** Absent when created with `control: false`. */
  readonly control: ControlService | undefined;
  /** Parts that failed to start without stopping the host (e.g. the webhook listener's port was taken). */
  readonly startFailures: readonly PartFailure[];
  info(): HostInfo;
  /** Starts every part in order (settings, logging, bus bridges, webhook, tunnel, meta, control API). */
  start(): Promise<void>;
  /** Disposes every part in reverse order. Safe to call twice. */
  dispose(): Promise<void>;
  /** Fired when a client asked the host to stop (host:shutdown). Headless: `kreo serve` disposes and exits. */
  onDidRequestShutdown(listener: Listener<void>): Disposable;
}
