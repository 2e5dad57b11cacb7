/**
 * The tunnel state machine over an NgrokDriver: stopped → starting → online → stopping → stopped, and error.
 *
 * Concurrency (decided here): calls are refused, not queued. A start, or a restart, while a start, restart or stop
 * is in flight fails at once with TUNNEL_BUSY (a start queued behind a hung one would hang too). Stop always wins:
 * during a start it cancels it (the driver is reset, the start rejects with TUNNEL_CANCELLED); during a stop it
 * joins that stop. A start while online with the same options answers the current status; with other options,
 * TUNNEL_BUSY with a hint to stop or restart.
 *
 * The SDK can hang forever, so every start has its own timeout (TUNNEL_START_TIMEOUT), after which the driver is
 * reset; every failed start resets the driver too (a half-open session must not count against the plan's limit).
 * status() is synchronous and stop() is bounded by stopTimeoutMs, so both answer fast even right after a failure.
 * restart() keeps the last options, including a one-off authtoken, in memory only (never saved or reported).
 * Every transition and error is logged to the ngrok logger (ngrok_manager.log); the authtoken never is.
 * The bounded driver calls live in bounded-driver.ts, what status() reports in tunnel-status-book.ts.
 */
import { readFile } from 'node:fs/promises';
import {
  requestedDomain,
  type TestConnectionResult,
  type TunnelStartOptions,
  type TunnelState,
  type TunnelStatus,
} from '../../../shared/domain/tunnel';
import { KreoError, toErrorInfo } from '../../../shared/errors';
import { defaultSettings, type Settings } from '../../../shared/settings-schema';
import { Emitter, type Disposable, type Listener } from '../core/lifecycle';
import type { ModuleLogger } from '../logging/types';
import type { SettingsService } from '../settings/types';
import { scrubSecrets, translateNgrokError } from './ngrok-errors';
import { BoundedDriver } from './bounded-driver';
import { buildStartPlan, describePlan, forwardConfigOf, type StartPlan } from './tunnel-plan';
import { TunnelStatusBook } from './tunnel-status-book';
import {
  describeOptions,
  ngrokLineLevel,
  notOnlineResult,
  parseStartOptions,
  tunnelErrors,
} from './tunnel-support';
import { runTestConnection } from './tunnel-test-connection';
import type { NgrokDriver, NgrokSessionEvent, TunnelService } from './types';

export interface TunnelManagerOptions {
  settings: SettingsService;
  /** The ngrok module logger (ngrok_manager.log). */
  log: ModuleLogger;
  /** Owned by the manager from here on: disposed with it. */
  driver: NgrokDriver;
  /** Default 20 s (the CLI must fail within 30 s with no network). */
  startTimeoutMs?: number;
  /** How long a graceful disconnect may take before the driver is reset. Default 1.5 s. */
  stopTimeoutMs?: number;
  /** Timeout of testConnection(). Default 10 s. */
  testTimeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  /** Reads ngrok.caCertPath; default fs.readFile as UTF-8. */
  readFile?: (file: string) => Promise<string>;
}

export class TunnelManager implements TunnelService {
  private readonly settings: SettingsService;
  private readonly log: ModuleLogger;
  private readonly driver: NgrokDriver;
  private readonly bounded: BoundedDriver;
  private readonly startTimeoutMs: number;
  private readonly testTimeoutMs: number;
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;
  private readonly readFileFn: (file: string) => Promise<string>;
  private readonly emitter = new Emitter<TunnelStatus>();
  private readonly driverSub: Disposable;
  private readonly settingsSub: Disposable;

  private readonly book: TunnelStatusBook;
  private lastOptions: TunnelStartOptions = {};
  private busy: 'start' | 'restart' | null = null;
  private stopping: Promise<TunnelStatus> | null = null;
  /** A stop arrived while a start or restart was in flight: it wins. */
  private cancelRequested = false;
  private disposed = false;

  constructor(opts: TunnelManagerOptions) {
    this.settings = opts.settings;
    this.log = opts.log;
    this.driver = opts.driver;
    this.startTimeoutMs = opts.startTimeoutMs ?? 20_000;
    this.testTimeoutMs = opts.testTimeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.book = new TunnelStatusBook(this.now);
    this.bounded = new BoundedDriver(this.driver, this.log, {
      startTimeoutMs: this.startTimeoutMs,
      stopTimeoutMs: opts.stopTimeoutMs ?? 1_500,
    });
    this.fetchFn = opts.fetch ?? ((...args) => globalThis.fetch(...args));
    this.readFileFn = opts.readFile ?? ((file) => readFile(file, 'utf8'));
    this.driverSub = this.driver.onEvent((event) => this.onDriverEvent(event));
    this.settingsSub = this.settings.onDidChange((change) => this.followListener(change.changedKeys));
  }

  onDidChangeStatus(listener: Listener<TunnelStatus>): Disposable {
    return this.emitter.event(listener);
  }

  status(): TunnelStatus {
    return this.book.status(this.currentSettings());
  }

  async start(opts: TunnelStartOptions = {}): Promise<TunnelStatus> {
    const options = parseStartOptions(opts);
    this.refuseIfBusy('start');
    if (this.book.state === 'online') return this.startWhileOnline(options);
    this.busy = 'start';
    this.cancelRequested = false;
    try {
      return await this.startInternal(options);
    } finally {
      this.busy = null;
    }
  }

  async stop(): Promise<TunnelStatus> {
    if (this.busy) this.cancelRequested = true;
    return this.stopInternal('stop requested');
  }

  async restart(opts: { port?: number } = {}): Promise<TunnelStatus> {
    this.refuseIfBusy('restart');
    const options: TunnelStartOptions = { ...this.lastOptions };
    if (opts.port !== undefined) options.port = parseStartOptions({ port: opts.port }).port;
    this.busy = 'restart';
    this.cancelRequested = false;
    try {
      this.log.info({ ...describeOptions(options) }, 'tunnel restart requested');
      if (this.book.state !== 'stopped') await this.stopInternal('restart');
      if (this.cancelRequested) throw tunnelErrors.cancelled();
      return await this.startInternal(options);
    } finally {
      this.busy = null;
    }
  }

  async testConnection(): Promise<TestConnectionResult> {
    const { plan, url } = this.book;
    if (this.book.state !== 'online' || !url || !plan) return notOnlineResult();
    const settings = this.currentSettings();
    const result = await runTestConnection({
      publicUrl: url,
      webhookPath: settings.webhook.path,
      verifyToken: settings.meta.verifyToken,
      localTarget: plan.localTarget,
      domain: plan.domain,
      timeoutMs: this.testTimeoutMs,
      fetch: this.fetchFn,
      now: this.now,
      secrets: this.secrets(settings),
    });
    const fields = { url: result.url, statusCode: result.statusCode, roundTripMs: result.roundTripMs };
    if (result.ok)
      this.log.info({ ...fields, challengeMatched: true }, 'test connection: the challenge came back');
    else
      this.log.warning(
        { ...fields, code: result.error?.code, hint: result.error?.hint },
        `test connection failed: ${result.error?.message}`,
      );
    return result;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      if (this.book.state !== 'stopped') await this.stopInternal('shutting down');
    } catch (err) {
      this.log.warning({ err: String(err) }, 'tunnel: error while stopping on shutdown');
    }
    this.driverSub.dispose();
    this.settingsSub.dispose();
    this.emitter.dispose();
    await this.driver.dispose();
  }

  /**
   * server.host / server.port changed while the tunnel forwards to them (started without --port): the webhook
   * listener re-binds at once, so the tunnel restarts to follow it instead of forwarding to a closed port (a reserved
   * domain keeps its URL; a random URL changes and is registered again when webhook.autoRegister is on).
   */
  private followListener(keys: readonly string[]): void {
    if (!keys.includes('server.port') && !keys.includes('server.host')) return;
    if (this.disposed || this.busy || this.stopping || this.book.state !== 'online') return;
    if (this.lastOptions.port !== undefined) return;
    const { host, port } = this.currentSettings().server;
    this.log.info(
      { host, port },
      'server.host/server.port changed: restarting the tunnel to follow the listener',
    );
    this.restart().catch(() => undefined); // a failure is in the status and the log
  }

  // ---- start ----

  private async startInternal(options: TunnelStartOptions): Promise<TunnelStatus> {
    if (this.disposed) throw tunnelErrors.shuttingDown();
    this.lastOptions = { ...options };
    const settings = this.currentSettings();
    let plan: StartPlan;
    try {
      plan = await buildStartPlan(options, settings, this.readFileFn);
    } catch (err) {
      throw this.fail(
        err instanceof KreoError ? err : translateNgrokError(err),
        'the tunnel could not be started',
      );
    }
    // A stop that arrived while the plan was being built wins.
    if (this.stopping || this.cancelRequested) throw tunnelErrors.cancelled();
    this.book.beginStart(plan);
    if (plan.domainSource === 'subdomain option') {
      this.log.info(
        { subdomain: options.subdomain, domain: plan.domain },
        `requesting domain ${plan.domain}: ngrok ignores subdomains, so the bare name becomes a domain under ngrok's default base domain`,
      );
    }
    this.transition('starting', describePlan(plan));

    const outcome = await this.bounded.forward(forwardConfigOf(plan));
    if (outcome.kind === 'ok') {
      this.book.online(outcome.url);
      this.transition('online', {
        url: outcome.url,
        domain: plan.domain ?? '(random)',
        localTarget: plan.localTarget,
      });
      return this.status();
    }
    if (outcome.kind === 'cancelled') {
      this.log.info('tunnel start cancelled by a stop request');
      throw tunnelErrors.cancelled();
    }
    const error =
      outcome.kind === 'timeout'
        ? tunnelErrors.startTimeout(this.startTimeoutMs, plan.serverAddr)
        : translateNgrokError(outcome.error, {
            domain: plan.domain,
            localTarget: plan.localTarget,
            ...(plan.serverAddr ? { serverAddr: plan.serverAddr } : {}),
            secrets: this.secrets(settings),
          });
    const failed = this.fail(error, 'the tunnel could not be started');
    // A timed-out SDK may hold a global lock; a failed one may hold half a session. Start clean next time.
    await this.bounded.reset(outcome.kind === 'timeout' ? 'start timed out' : 'start failed');
    throw failed;
  }

  private startWhileOnline(options: TunnelStartOptions): TunnelStatus {
    const plan = this.book.plan!;
    const wantedDomain = options.domain ?? options.subdomain;
    const differs =
      (options.port !== undefined && options.port !== plan.port) ||
      (wantedDomain !== undefined && requestedDomain(wantedDomain) !== plan.domain) ||
      (options.authtoken !== undefined && options.authtoken !== plan.authtoken);
    if (differs) throw tunnelErrors.onlineWithOtherOptions(this.book.url);
    this.log.info({ url: this.book.url }, 'start requested while online: nothing to do');
    return this.status();
  }

  // ---- stop ----

  private stopInternal(reason: string): Promise<TunnelStatus> {
    if (this.stopping) return this.stopping;
    if (this.book.state === 'stopped') {
      this.log.debug(`stop requested (${reason}) while stopped: nothing to do`);
      return Promise.resolve(this.status());
    }
    this.stopping = this.doStop(reason).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async doStop(reason: string): Promise<TunnelStatus> {
    const from = this.book.state;
    if (from === 'starting') this.bounded.cancel();
    this.transition('stopping', { reason });
    if (from === 'starting') await this.bounded.reset('stop during start');
    else await this.bounded.disconnect();
    this.book.offline(from === 'online' ? reason : null);
    this.transition('stopped', { reason });
    return this.status();
  }

  // ---- events from the driver ----

  private onDriverEvent(event: NgrokSessionEvent): void {
    if (event.type === 'log') {
      this.logNgrokLine(event.line);
      return;
    }
    if (event.type === 'ended') {
      if (this.book.state !== 'online') return;
      this.book.offline(event.reason);
      this.fail(tunnelErrors.wentDown(event.reason), 'the tunnel went down');
      return;
    }
    if (this.book.state !== 'online') {
      this.log.debug({ status: event.status, state: this.book.state }, 'ngrok session status');
      return;
    }
    const url = this.book.url;
    const changed = this.book.sessionStatus(event.status);
    if (changed === 'reconnecting') this.log.warning({ url }, 'ngrok session lost; the SDK is reconnecting');
    if (changed === 'reconnected') this.log.info({ url }, 'ngrok session re-established');
    if (changed) this.emitStatus();
  }

  private logNgrokLine(raw: string): void {
    const line = scrubSecrets(raw, this.secrets(this.currentSettings()));
    this.log[ngrokLineLevel(line)](`ngrok: ${line}`);
  }

  // ---- helpers ----

  private transition(to: TunnelState, fields: Record<string, unknown> = {}): void {
    const from = this.book.state;
    this.book.state = to;
    this.log.info({ from, to, ...fields }, `tunnel ${from} → ${to}`);
    this.emitStatus();
  }

  /** Records the error, moves to 'error', logs it; returns it for throwing. */
  private fail(error: KreoError, context: string): KreoError {
    this.book.lastError = error.toInfo();
    this.log.error(
      { code: error.code, hint: error.hint, ...(error.details ? { details: error.details } : {}) },
      `${context}: ${error.message}`,
    );
    this.transition('error', { code: error.code });
    return error;
  }

  private emitStatus(): void {
    this.emitter.fire(this.status());
  }

  private refuseIfBusy(what: 'start' | 'restart'): void {
    if (this.disposed) throw tunnelErrors.shuttingDown();
    const doing = this.stopping
      ? 'stopping'
      : this.busy
        ? this.busy === 'restart'
          ? 'restarting'
          : 'starting'
        : null;
    if (!doing) return;
    this.log.info({ state: this.book.state }, `${what} refused: the tunnel is ${doing}`);
    throw tunnelErrors.busy(doing, this.book.state);
  }

  private currentSettings(): Settings {
    try {
      return this.settings.get();
    } catch (err) {
      this.log.warning({ err: toErrorInfo(err).message }, 'settings could not be read; using defaults');
      return defaultSettings();
    }
  }

  private secrets(settings: Settings): string[] {
    const candidates = [
      this.lastOptions.authtoken,
      this.book.plan?.authtoken,
      settings.ngrok.authtoken,
      settings.meta.verifyToken,
    ];
    return candidates.filter((s): s is string => !!s);
  }
}
