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
 */
import { readFile } from 'node:fs/promises';
import {
  MAX_CONNECTION_CHANGES,
  requestedDomain,
  type TestConnectionResult,
  type TunnelStartOptions,
  type TunnelState,
  type TunnelStatus,
} from '../../../shared/domain/tunnel';
import { KreoError, toErrorInfo, type ErrorInfo } from '../../../shared/errors';
import { defaultSettings, type Settings } from '../../../shared/settings-schema';
import { Emitter, type Disposable, type Listener } from '../core/lifecycle';
import type { ModuleLogger } from '../logging/types';
import type { SettingsService } from '../settings/types';
import { scrubSecrets, translateNgrokError } from './ngrok-errors';
import { buildStartPlan, describePlan, forwardConfigOf, localTargetOf, type StartPlan } from './tunnel-plan';
import {
  bounded,
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

type ConnectionChange = TunnelStatus['connectionChanges'][number];
type StartOutcome =
  | { kind: 'ok'; url: string }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'cancelled' };

/** Bound for driver.reset(): a reset is a kill, it must not hold a caller. */
const RESET_BOUND_MS = 2000;

export class TunnelManager implements TunnelService {
  private readonly settings: SettingsService;
  private readonly log: ModuleLogger;
  private readonly driver: NgrokDriver;
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly testTimeoutMs: number;
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;
  private readonly readFileFn: (file: string) => Promise<string>;
  private readonly emitter = new Emitter<TunnelStatus>();
  private readonly driverSub: Disposable;

  private state: TunnelState = 'stopped';
  private url: string | null = null;
  private plan: StartPlan | null = null;
  private lastOptions: TunnelStartOptions = {};
  private startedAt: number | null = null;
  private lastError: ErrorInfo | null = null;
  private connection: TunnelStatus['connection'] = null;
  private changes: ConnectionChange[] = [];
  private busy: 'start' | 'restart' | null = null;
  private stopping: Promise<TunnelStatus> | null = null;
  private cancelStart: (() => void) | null = null;
  /** A stop arrived while a start or restart was in flight: it wins. */
  private cancelRequested = false;
  private disposed = false;

  constructor(opts: TunnelManagerOptions) {
    this.settings = opts.settings;
    this.log = opts.log;
    this.driver = opts.driver;
    this.startTimeoutMs = opts.startTimeoutMs ?? 20_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 1_500;
    this.testTimeoutMs = opts.testTimeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.fetchFn = opts.fetch ?? ((...args) => globalThis.fetch(...args));
    this.readFileFn = opts.readFile ?? ((file) => readFile(file, 'utf8'));
    this.driverSub = this.driver.onEvent((event) => this.onDriverEvent(event));
  }

  onDidChangeStatus(listener: Listener<TunnelStatus>): Disposable {
    return this.emitter.event(listener);
  }

  status(): TunnelStatus {
    const settings = this.currentSettings();
    return {
      state: this.state,
      url: this.url,
      localTarget: this.plan?.localTarget ?? localTargetOf(settings.server.host, settings.server.port),
      domain: this.plan ? this.plan.domain : requestedDomain(settings.ngrok.domain),
      startedAt: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      uptimeMs:
        this.state === 'online' && this.startedAt !== null ? Math.max(0, this.now() - this.startedAt) : null,
      lastError: this.lastError,
      connection: this.connection,
      connectionChanges: [...this.changes],
    };
  }

  async start(opts: TunnelStartOptions = {}): Promise<TunnelStatus> {
    const options = parseStartOptions(opts);
    this.refuseIfBusy('start');
    if (this.state === 'online') return this.startWhileOnline(options);
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
      if (this.state !== 'stopped') await this.stopInternal('restart');
      if (this.cancelRequested) throw tunnelErrors.cancelled();
      return await this.startInternal(options);
    } finally {
      this.busy = null;
    }
  }

  async testConnection(): Promise<TestConnectionResult> {
    const plan = this.plan;
    if (this.state !== 'online' || !this.url || !plan) return notOnlineResult();
    const settings = this.currentSettings();
    const result = await runTestConnection({
      publicUrl: this.url,
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
      if (this.state !== 'stopped') await this.stopInternal('shutting down');
    } catch (err) {
      this.log.warning({ err: String(err) }, 'tunnel: error while stopping on shutdown');
    }
    this.driverSub.dispose();
    this.emitter.dispose();
    await this.driver.dispose();
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
    this.plan = plan;
    this.url = null;
    this.startedAt = null;
    this.connection = null;
    this.changes = [];
    if (plan.domainSource === 'subdomain option') {
      this.log.info(
        { subdomain: options.subdomain, domain: plan.domain },
        `requesting domain ${plan.domain}: ngrok ignores subdomains, so the bare name becomes a domain under ngrok's default base domain`,
      );
    }
    this.transition('starting', describePlan(plan));

    const outcome = await this.forwardWithTimeout(plan);
    if (outcome.kind === 'ok') {
      this.url = outcome.url;
      this.startedAt = this.now();
      this.lastError = null;
      this.connection = 'connected';
      this.pushChange('connected', 'session established');
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
    await this.resetDriver(outcome.kind === 'timeout' ? 'start timed out' : 'start failed');
    throw failed;
  }

  private forwardWithTimeout(plan: StartPlan): Promise<StartOutcome> {
    return new Promise<StartOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'timeout' }), this.startTimeoutMs);
      const done = (outcome: StartOutcome) => {
        clearTimeout(timer);
        this.cancelStart = null;
        resolve(outcome);
      };
      this.cancelStart = () => done({ kind: 'cancelled' });
      Promise.resolve()
        .then(() => this.driver.forward(forwardConfigOf(plan)))
        .then(
          ({ url }) => done({ kind: 'ok', url }),
          (error: unknown) => done({ kind: 'error', error }),
        );
    }).finally(() => {
      this.cancelStart = null;
    });
  }

  private startWhileOnline(options: TunnelStartOptions): TunnelStatus {
    const plan = this.plan!;
    const wantedDomain = options.domain ?? options.subdomain;
    const differs =
      (options.port !== undefined && options.port !== plan.port) ||
      (wantedDomain !== undefined && requestedDomain(wantedDomain) !== plan.domain) ||
      (options.authtoken !== undefined && options.authtoken !== plan.authtoken);
    if (differs) throw tunnelErrors.onlineWithOtherOptions(this.url);
    this.log.info({ url: this.url }, 'start requested while online: nothing to do');
    return this.status();
  }

  // ---- stop ----

  private stopInternal(reason: string): Promise<TunnelStatus> {
    if (this.stopping) return this.stopping;
    if (this.state === 'stopped') {
      this.log.debug(`stop requested (${reason}) while stopped: nothing to do`);
      return Promise.resolve(this.status());
    }
    this.stopping = this.doStop(reason).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async doStop(reason: string): Promise<TunnelStatus> {
    const from = this.state;
    if (from === 'starting') this.cancelStart?.();
    this.transition('stopping', { reason });
    if (from === 'starting') {
      await this.resetDriver('stop during start');
    } else {
      const graceful = await bounded(this.driver.disconnect(), this.stopTimeoutMs);
      if (graceful !== 'ok') {
        this.log.warning(
          {
            stopTimeoutMs: this.stopTimeoutMs,
            cause: graceful === 'timeout' ? 'timeout' : String(graceful.error),
          },
          'ngrok did not disconnect cleanly; resetting the helper',
        );
        await this.resetDriver('disconnect failed');
      }
    }
    if (from === 'online') this.pushChange('disconnected', reason);
    this.url = null;
    this.startedAt = null;
    this.connection = null;
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
      if (this.state !== 'online') return;
      const error = tunnelErrors.wentDown(event.reason);
      this.url = null;
      this.startedAt = null;
      this.connection = null;
      this.pushChange('disconnected', event.reason);
      this.fail(error, 'the tunnel went down');
      return;
    }
    if (this.state !== 'online') {
      this.log.debug({ status: event.status, state: this.state }, 'ngrok session status');
      return;
    }
    if (event.status === 'closed' && this.connection !== 'reconnecting') {
      this.connection = 'reconnecting';
      this.pushChange('reconnecting', 'the ngrok session was lost; reconnecting');
      this.log.warning({ url: this.url }, 'ngrok session lost; the SDK is reconnecting');
      this.emitStatus();
    } else if (event.status === 'connected' && this.connection !== 'connected') {
      this.connection = 'connected';
      this.pushChange('connected', 'session re-established');
      this.log.info({ url: this.url }, 'ngrok session re-established');
      this.emitStatus();
    }
  }

  private logNgrokLine(raw: string): void {
    const line = scrubSecrets(raw, this.secrets(this.currentSettings()));
    this.log[ngrokLineLevel(line)](`ngrok: ${line}`);
  }

  // ---- helpers ----

  private transition(to: TunnelState, fields: Record<string, unknown> = {}): void {
    const from = this.state;
    this.state = to;
    this.log.info({ from, to, ...fields }, `tunnel ${from} → ${to}`);
    this.emitStatus();
  }

  /** Records the error, moves to 'error', logs it; returns it for throwing. */
  private fail(error: KreoError, context: string): KreoError {
    this.lastError = error.toInfo();
    this.log.error(
      { code: error.code, hint: error.hint, ...(error.details ? { details: error.details } : {}) },
      `${context}: ${error.message}`,
    );
    this.transition('error', { code: error.code });
    return error;
  }

  private async resetDriver(reason: string): Promise<void> {
    const outcome = await bounded(this.driver.reset(), RESET_BOUND_MS);
    if (outcome === 'ok') this.log.debug({ reason }, 'ngrok helper reset');
    else
      this.log.warning(
        { reason, outcome: outcome === 'timeout' ? 'timeout' : String(outcome.error) },
        'ngrok helper reset did not finish',
      );
  }

  private pushChange(status: ConnectionChange['status'], detail: string): void {
    this.changes.push({ at: new Date(this.now()).toISOString(), status, detail });
    if (this.changes.length > MAX_CONNECTION_CHANGES)
      this.changes.splice(0, this.changes.length - MAX_CONNECTION_CHANGES);
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
    this.log.info({ state: this.state }, `${what} refused: the tunnel is ${doing}`);
    throw tunnelErrors.busy(doing, this.state);
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
      this.plan?.authtoken,
      settings.ngrok.authtoken,
      settings.meta.verifyToken,
    ];
    return candidates.filter((s): s is string => !!s);
  }
}
