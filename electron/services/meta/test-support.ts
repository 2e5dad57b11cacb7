/**
 * Test doubles for the Meta services' seams: in-memory settings, a tunnel whose state tests drive, and a logger
 * that keeps lines. Imported by tests only (never by the composition root).
 */
import type { TestConnectionResult, TunnelStatus } from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import {
  defaultSettings,
  isReadOnlyKey,
  isSettingKey,
  type Settings,
  type SettingsPatch,
} from '../../../shared/settings-schema';
import { DEFAULTS as GRAPH_FAKE_DEFAULTS } from '../../../test/fakes/graph-api/state';
import { Emitter, type Disposable, type Listener } from '../core/lifecycle';
import type { LogFn, ModuleLogger } from '../logging/types';
import type { SettingsChange } from '../settings/types';

type Section = Record<string, unknown>;

export class MemorySettings {
  private value: Settings;
  private readonly changes = new Emitter<SettingsChange>();
  readonly secretsBackend: 'keychain' | 'file' = 'file';

  constructor(overrides: Partial<{ [S in keyof Settings]: Partial<Settings[S]> }> = {}) {
    const base = defaultSettings();
    for (const [section, values] of Object.entries(overrides)) {
      Object.assign((base as unknown as Record<string, Section>)[section]!, values);
    }
    this.value = base;
  }

  get(): Settings {
    return structuredClone(this.value);
  }

  async update(patch: SettingsPatch, opts: { system?: boolean } = {}): Promise<Settings> {
    const next = structuredClone(this.value) as unknown as Record<string, Section>;
    for (const [key, v] of Object.entries(patch)) {
      if (!isSettingKey(key)) throw new KreoError('SETTINGS_UNKNOWN_KEY', `No setting ${key}`);
      if (isReadOnlyKey(key) && !opts.system)
        throw new KreoError('SETTINGS_READ_ONLY', `${key} is read-only`);
      const [section, name] = key.split('.') as [string, string];
      next[section]![name] = v;
    }
    this.value = next as unknown as Settings;
    this.changes.fire({
      settings: this.get(),
      changedKeys: Object.keys(patch) as SettingsChange['changedKeys'],
    });
    return this.get();
  }

  secretValues(): string[] {
    const m = this.value.meta;
    return [m.appSecret, m.accessToken, m.verifyToken, this.value.ngrok.authtoken].filter(Boolean);
  }

  onDidChange(listener: Listener<SettingsChange>): Disposable {
    return this.changes.event(listener);
  }
}

/** The meta.* settings that match the Graph API fake's defaults (app, secret, token, WABA, number). */
export function graphFakeMeta(graphBaseUrl: string, verifyToken: string): Partial<Settings['meta']> {
  const D = GRAPH_FAKE_DEFAULTS;
  return {
    appId: D.appId,
    appSecret: D.appSecret,
    accessToken: D.token,
    verifyToken,
    phoneNumberId: D.phoneNumberId,
    wabaId: D.wabaId,
    graphBaseUrl,
  };
}

export class FakeTunnel {
  private current: TunnelStatus = {
    state: 'stopped',
    url: null,
    localTarget: 'http://127.0.0.1:8000',
    domain: null,
    startedAt: null,
    uptimeMs: null,
    lastError: null,
    connection: null,
    connectionChanges: [],
  };
  private readonly emitter = new Emitter<TunnelStatus>();
  /** What testConnection answers. */
  testResult: TestConnectionResult = {
    ok: true,
    url: null,
    statusCode: 200,
    roundTripMs: 42,
    challengeMatched: true,
    error: null,
  };

  status(): TunnelStatus {
    return { ...this.current };
  }

  set(patch: Partial<TunnelStatus>): void {
    this.current = { ...this.current, ...patch };
    this.emitter.fire(this.status());
  }

  online(url: string): void {
    this.set({ state: 'online', url, startedAt: new Date().toISOString(), connection: 'connected' });
  }

  stopped(): void {
    this.set({ state: 'stopped', url: null, startedAt: null, connection: null });
  }

  async testConnection(): Promise<TestConnectionResult> {
    return { ...this.testResult, url: this.current.url };
  }

  onDidChangeStatus(listener: Listener<TunnelStatus>): Disposable {
    return this.emitter.event(listener);
  }
}

export interface CapturedLine {
  level: string;
  msg: string;
  obj?: Record<string, unknown>;
}

/** A ModuleLogger that keeps every line (as JSON text too, to search for leaked secrets). */
export class CaptureLogger implements ModuleLogger {
  readonly lines: CapturedLine[] = [];
  readonly debug: LogFn = this.make('debug');
  readonly info: LogFn = this.make('info');
  readonly warning: LogFn = this.make('warning');
  readonly error: LogFn = this.make('error');
  readonly critical: LogFn = this.make('critical');

  child(): ModuleLogger {
    return this;
  }

  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }

  private make(level: string): LogFn {
    return ((a: string | Record<string, unknown>, b?: string) => {
      if (typeof a === 'string') this.lines.push({ level, msg: a });
      else this.lines.push({ level, msg: b ?? '', obj: a });
    }) as LogFn;
  }
}

/** Polls `fn` until it returns a truthy value or the bound passes. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5_000, stepMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A throwaway `redis-server` per test file: the one in test/support. */
export { startRedisServer, type RedisServer } from '../../../test/support/redis';

/** Largest number of `times` (ms) inside any half-open window [t, t + windowMs). */
export function maxInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
