/**
 * Webhook registration with Meta: preflight through the public URL, then point the configured scope (app, WABA or
 * phone number) at the tunnel, remembering what was there before so unregister puts it back. With
 * webhook.autoRegister it follows the tunnel (register when it comes online or its URL changes); with
 * webhook.restoreOnStop it restores when the tunnel stops and when the host shuts down. Everything goes to the
 * webhook logger (webhook_config.log); no secrets are logged.
 */
import type { WebhookStatus } from '../../../shared/domain/meta';
import type { TunnelStatus } from '../../../shared/domain/tunnel';
import { toErrorInfo, type ErrorInfo } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';
import type { EventBus } from '../core/event-bus';
import { callbackUrl } from '../core/callback-url';
import type { FetchLike } from '../core/http';
import { DisposableStore } from '../core/lifecycle';
import type { ModuleLogger } from '../logging/types';
import { CallbackTargets, requireMetaConfig, targetIdFor } from './callback-targets';
import type { GraphApi } from './graph-api';
import { preflightError, runPreflight, type PreflightReport } from './preflight';
import { registerError, restoreError, tunnelNotOnline } from './registration-errors';
import { readWebhookStatus } from './registration-status';
import type { RegistrationRecord, RegistrationStore } from './registration-store';
import type { SettingsWriter, TunnelView } from './types';

export interface RegistrationDeps {
  settings: SettingsWriter;
  graph: GraphApi;
  tunnel: TunnelView;
  logger: ModuleLogger;
  store: RegistrationStore;
  /** Used for the preflight through the public URL (tests route it to the loopback ngrok peer). */
  publicFetch?: FetchLike;
  bus?: Pick<EventBus, 'publish'>;
  preflightBudgetMs?: number;
  /** Restore at dispose when webhook.restoreOnStop is on (default true; false for short-lived CLI use). */
  restoreAtShutdown?: boolean;
  /** Bound on restoring at shutdown. Default 10 s. */
  shutdownRestoreMs?: number;
  now?: () => Date;
}

export class RegistrationService {
  private readonly targets: CallbackTargets;
  private readonly disposables = new DisposableStore();
  private chain: Promise<unknown> = Promise.resolve();
  private lastError: ErrorInfo | null = null;
  /** The callback URL automatic registration last tried, so repeated tunnel events do not loop. */
  private autoTarget: string | null = null;
  private lastTunnelState: TunnelStatus['state'] | null = null;
  private disposed = false;

  constructor(private readonly deps: RegistrationDeps) {
    this.targets = new CallbackTargets(deps.graph);
  }

  start(): void {
    this.disposables.add(this.deps.tunnel.onDidChangeStatus((st) => this.onTunnel(st)));
    const onChange = this.deps.settings.onDidChange;
    if (onChange) {
      // Turning autoRegister on (or changing the path) while the tunnel is online registers at once.
      this.disposables.add(
        onChange.call(this.deps.settings, (change) => {
          if (change.changedKeys.some((k) => k === 'webhook.autoRegister' || k === 'webhook.path')) {
            this.autoTarget = null;
            this.onTunnel(this.deps.tunnel.status());
          }
        }),
      );
    }
    this.onTunnel(this.deps.tunnel.status());
  }

  /** The callback URL the running tunnel implies, or null when it is not online. */
  expectedUrl(): string | null {
    const st = this.deps.tunnel.status();
    if (st.state !== 'online' || !st.url) return null;
    return callbackUrl(st.url, this.deps.settings.get().webhook.path);
  }

  /** Runs the preflight against the current public URL without registering. */
  async preflight(): Promise<PreflightReport> {
    const s = this.deps.settings.get();
    const url = this.expectedUrl();
    if (!url) throw tunnelNotOnline();
    return this.runPreflight(s, url);
  }

  register(): Promise<WebhookStatus> {
    return this.serial(() => this.recorded('Registration failed', () => this.doRegister()));
  }

  unregister(): Promise<WebhookStatus> {
    return this.serial(() => this.recorded('Unregistering failed', () => this.doUnregister()));
  }

  /** Compares what Meta has with the current expected URL. Never throws for Meta trouble: `detail` says it. */
  async status(): Promise<WebhookStatus> {
    return readWebhookStatus({
      settings: this.deps.settings.get(),
      store: this.deps.store,
      targets: this.targets,
      expectedUrl: this.expectedUrl(),
      lastError: this.lastError,
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.disposables.dispose();
    if (!this.restoresOnStop()) return;
    const bound = this.deps.shutdownRestoreMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      // After a registration still under way (it may end with our URL at Meta).
      this.restoreIfRegistered('Shutting down with webhook.restoreOnStop: restoring the previous callback'),
      new Promise<void>((r) => {
        timer = setTimeout(() => {
          this.deps.logger.warning({ boundMs: bound }, 'Restore at shutdown did not finish in time');
          r();
        }, bound);
      }),
    ]);
    clearTimeout(timer);
  }

  // --- internals ---------------------------------------------------------------------------------------------

  private restoresOnStop(): boolean {
    return this.deps.restoreAtShutdown !== false && this.deps.settings.get().webhook.restoreOnStop;
  }

  /**
   * Queued after whatever runs now (a registration under way may end with our URL at Meta): restores the previous
   * callback if, by then, ours is registered. Never rejects (a failure is logged and kept for the status).
   */
  private restoreIfRegistered(msg: string, fields: Record<string, unknown> = {}): Promise<void> {
    return this.serial(async () => {
      if (!this.deps.settings.get().webhook.registered) return;
      this.deps.logger.info(fields, msg);
      await this.recorded('Unregistering failed', () => this.doUnregister());
    }).catch(() =>
      this.publish([]).then(
        () => undefined,
        () => undefined,
      ),
    );
  }

  /**
   * Queued like restoreIfRegistered: registers `url` unless, by then, it is already ours at Meta or the tunnel has
   * moved on (its own event queues what follows).
   */
  private registerIfNeeded(url: string): void {
    this.serial(async () => {
      const w = this.deps.settings.get().webhook;
      if ((w.registered && w.registeredUrl === url) || this.expectedUrl() !== url) return;
      this.deps.logger.info(
        { url },
        'Tunnel online with a new URL: registering automatically (webhook.autoRegister)',
      );
      await this.recorded('Registration failed', () => this.doRegister());
    }).catch(() => this.publish([]).catch(() => undefined));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async runPreflight(s: Settings, url: string): Promise<PreflightReport> {
    const report = await runPreflight({
      callbackUrl: url,
      verifyToken: s.meta.verifyToken,
      appSecret: s.meta.appSecret,
      fetch: this.deps.publicFetch ?? ((input, init) => fetch(input, init)),
      budgetMs: this.deps.preflightBudgetMs,
      wabaId: s.meta.wabaId,
      phoneNumberId: s.meta.phoneNumberId,
    });
    this.deps.logger[report.ok ? 'info' : 'warning'](
      {
        url,
        ok: report.ok,
        handshake: report.handshake,
        post: report.post,
      },
      report.ok
        ? `Preflight passed (handshake ${report.handshake.elapsedMs} ms, signed POST ${report.post?.elapsedMs} ms)`
        : 'Preflight failed',
    );
    return report;
  }

  private async doRegister(): Promise<WebhookStatus> {
    const s = this.deps.settings.get();
    const scope = s.webhook.scope;
    requireMetaConfig(s, scope, 'Registering the webhook');
    const url = this.expectedUrl();
    if (!url) throw tunnelNotOnline();
    const targetId = targetIdFor(s, scope);
    this.deps.logger.info(
      { scope, targetId, url, fields: s.webhook.fields },
      `Registering ${url} (scope ${scope})`,
    );

    const report = await this.runPreflight(s, url);
    if (!report.ok) throw preflightError(report);

    let { active } = await this.deps.store.load();
    if (active && (active.scope !== scope || active.targetId !== targetId)) {
      this.deps.logger.info(
        { from: active.scope, to: scope },
        'Scope or target changed since the last registration: restoring the old one first',
      );
      await this.restore(active, s);
      await this.deps.store.save(null);
      active = null;
    }
    let previous = active?.previous ?? null;
    if (!active) {
      const current = await this.targets.read(scope, targetId, s);
      previous = current.url && current.url !== url ? { url: current.url, fields: current.fields } : null;
      this.deps.logger.info(
        { scope, previousUrl: previous?.url ?? null },
        'Remembered the callback in place before',
      );
    }
    const record: RegistrationRecord = {
      scope,
      targetId,
      appId: s.meta.appId,
      previous,
      fields: s.webhook.fields,
      registeredUrl: active?.registeredUrl ?? null,
      registeredAt: active?.registeredAt ?? null,
    };
    await this.deps.store.save(record);
    try {
      await this.targets.set(scope, targetId, s, url, s.webhook.fields);
    } catch (err) {
      if (!active) await this.deps.store.save(null);
      throw registerError(err, url);
    }
    const notes: string[] = [];
    if (scope !== 'waba') {
      const note = await this.targets.ensureWabaSubscription(s).catch((err: unknown) => {
        this.logFailure('Could not make sure the app is subscribed to the WABA', err);
        return `The app's subscription to WABA ${s.meta.wabaId} could not be checked: ${toErrorInfo(err).message}`;
      });
      if (note) notes.push(note);
    }
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    await this.deps.store.save({ ...record, registeredUrl: url, registeredAt: at });
    await this.deps.settings.update(
      { 'webhook.registered': true, 'webhook.registeredAt': at, 'webhook.registeredUrl': url },
      { system: true },
    );
    this.lastError = null;
    this.deps.logger.info(
      { scope, url, previousUrl: previous?.url ?? null, notes },
      `Registered ${url} with Meta`,
    );
    return this.publish(notes);
  }

  private async doUnregister(): Promise<WebhookStatus> {
    const s = this.deps.settings.get();
    const { active, problem } = await this.deps.store.load();
    if (problem) this.deps.logger.warning({ problem }, 'Registration record unreadable');
    if (active) {
      await this.restore(active, s);
    } else if (s.webhook.registered && s.webhook.registeredUrl) {
      // No record of what was there before: remove our URL only if Meta still has it.
      const scope = s.webhook.scope;
      requireMetaConfig(s, scope, 'Unregistering the webhook');
      const targetId = targetIdFor(s, scope);
      const current = await this.targets.read(scope, targetId, s);
      if (current.url === s.webhook.registeredUrl) await this.targets.clear(scope, targetId, s);
      this.deps.logger.warning(
        { scope, url: s.webhook.registeredUrl },
        'No record of the previous callback; removed the panel URL without restoring anything',
      );
    }
    await this.deps.store.save(null);
    await this.deps.settings.update(
      { 'webhook.registered': false, 'webhook.registeredAt': '', 'webhook.registeredUrl': '' },
      { system: true },
    );
    this.autoTarget = null;
    return this.publish([]);
  }

  /** Puts back `active.previous`, unless someone changed Meta's callback since we set it. */
  private async restore(active: RegistrationRecord, s: Settings): Promise<void> {
    requireMetaConfig(s, active.scope, 'Restoring the previous callback');
    const current = await this.targets.read(active.scope, active.targetId, s);
    if (active.registeredUrl && current.url !== active.registeredUrl) {
      this.deps.logger.warning(
        { scope: active.scope, metaUrl: current.url, ours: active.registeredUrl },
        "Meta's callback was changed by someone else since the panel registered; leaving it as it is",
      );
      return;
    }
    try {
      await this.targets.restore(active, s, active.previous);
    } catch (err) {
      throw restoreError(err, active.previous?.url);
    }
    this.deps.logger.info(
      { scope: active.scope, restoredUrl: active.previous?.url ?? null },
      active.previous
        ? `Restored ${active.previous.url}`
        : 'Removed the panel callback (nothing was there before)',
    );
  }

  /** Runs an operation; a failure is logged and kept as `lastError` for the status. */
  private async recorded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.lastError = toErrorInfo(err);
      this.logFailure(what, err);
      throw err;
    }
  }

  private logFailure(msg: string, err: unknown): void {
    const info = toErrorInfo(err);
    this.deps.logger.error(
      { code: info.code, error: info.message, hint: info.hint, details: info.details },
      msg,
    );
  }

  private async publish(notes: string[]): Promise<WebhookStatus> {
    const status = await this.status();
    if (notes.length) status.detail = [status.detail, ...notes].filter(Boolean).join(' ');
    this.deps.bus?.publish('webhook:status', status);
    return status;
  }

  private onTunnel(st: TunnelStatus): void {
    if (this.disposed) return;
    const prev = this.lastTunnelState;
    this.lastTunnelState = st.state;
    const s = this.deps.settings.get();
    if (st.state === 'online' && st.url) {
      if (!s.webhook.autoRegister) return;
      const url = callbackUrl(st.url, s.webhook.path);
      if (url === this.autoTarget) return;
      this.autoTarget = url;
      // Decided when its turn comes: a restore queued by a stop just before may still have to run (a restart on a
      // reserved domain comes back at the same URL while ours is still registered).
      this.registerIfNeeded(url);
      return;
    }
    if ((st.state === 'stopped' || st.state === 'error') && prev !== null && prev !== st.state) {
      this.autoTarget = null;
      if (!this.restoresOnStop()) return;
      // Decided when its turn comes, too: a first registration under way may end with our URL at Meta.
      void this.restoreIfRegistered(
        'Tunnel stopped: restoring the previous callback (webhook.restoreOnStop)',
        {
          state: st.state,
        },
      );
    }
  }
}
