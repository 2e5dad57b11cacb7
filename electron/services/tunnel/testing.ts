/**
 * Test fakes for the tunnel: a scriptable NgrokDriver, an in-memory SettingsService and a recording ModuleLogger.
 * Used by the tunnel's tests; other engineers may use them for tests that need a TunnelManager. Never shipped.
 */
import type { SettingsView } from '../../../shared/domain/settings';
import {
  defaultSettings,
  maskSecret,
  SECRET_KEYS,
  type Settings,
  type SettingsPatch,
  type SettingKey,
} from '../../../shared/settings-schema';
import { Emitter, type Disposable, type Listener } from '../core/lifecycle';
import type { LogFn, ModuleLogger } from '../logging/types';
import type { SettingsChange, SettingsService } from '../settings/types';
import type { NgrokDriver, NgrokForwardConfig, NgrokSessionEvent } from './types';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

export class FakeSettings implements SettingsService {
  readonly secretsBackend = 'file' as const;
  readonly secretsBackendReason = 'test fake';
  readonly updates: SettingsPatch[] = [];
  private readonly changes = new Emitter<SettingsChange>();
  private value: Settings;

  constructor(overrides: DeepPartial<Settings> = {}) {
    this.value = merge(defaultSettings(), overrides);
  }

  get(): Settings {
    return structuredClone(this.value);
  }

  /** Test helper: change values without recording an update (as an env override or another process would). */
  set(overrides: DeepPartial<Settings>): void {
    this.value = merge(this.value, overrides);
  }

  async update(patch: SettingsPatch, _opts?: { system?: boolean }): Promise<Settings> {
    this.updates.push(patch);
    const next = structuredClone(this.value) as unknown as Record<string, Record<string, unknown>>;
    for (const [key, v] of Object.entries(patch)) {
      const [section, name] = key.split('.') as [string, string];
      next[section]![name] = v;
    }
    this.value = next as unknown as Settings;
    this.changes.fire({ settings: this.get(), changedKeys: Object.keys(patch) as SettingKey[] });
    return this.get();
  }

  async generateVerifyToken(): Promise<Settings> {
    return this.update(
      { 'meta.verifyToken': `vt-${Math.random().toString(36).slice(2, 14)}` },
      { system: true },
    );
  }

  view(): SettingsView {
    const secrets = Object.fromEntries(
      SECRET_KEYS.map((k) => {
        const [section, name] = k.split('.') as [keyof Settings, string];
        return [k, maskSecret(String((this.value[section] as Record<string, unknown>)[name] ?? ''))];
      }),
    ) as SettingsView['secrets'];
    return { values: {}, secrets, secretsBackend: 'file', envOverrides: [], warnings: [] };
  }

  secretValues(): string[] {
    return [
      this.value.ngrok.authtoken,
      this.value.meta.appSecret,
      this.value.meta.accessToken,
      this.value.meta.verifyToken,
    ].filter(Boolean);
  }

  onDidChange(listener: Listener<SettingsChange>): Disposable {
    return this.changes.event(listener);
  }

  dispose(): void {
    this.changes.dispose();
  }
}

function merge(base: Settings, overrides: DeepPartial<Settings>): Settings {
  const out = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(overrides)) {
    out[section] = { ...out[section], ...(values as Record<string, unknown>) };
  }
  return out as unknown as Settings;
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warning' | 'error' | 'critical';
  msg: string;
  obj: Record<string, unknown>;
}

/** Records every call; `text()` is everything logged, for "never logs the token" checks. */
export class RecordingLogger implements ModuleLogger {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  readonly debug = this.make('debug');
  readonly info = this.make('info');
  readonly warning = this.make('warning');
  readonly error = this.make('error');
  readonly critical = this.make('critical');

  child(bindings: Record<string, unknown>): ModuleLogger {
    return new RecordingLogger(this.entries, { ...this.bindings, ...bindings });
  }

  text(): string {
    return this.entries.map((e) => `${e.level} ${e.msg} ${JSON.stringify(e.obj)}`).join('\n');
  }

  private make(level: LogEntry['level']): LogFn {
    return ((a: string | Record<string, unknown>, b?: string) => {
      if (typeof a === 'string') this.entries.push({ level, msg: a, obj: { ...this.bindings } });
      else this.entries.push({ level, msg: b ?? '', obj: { ...this.bindings, ...a } });
    }) as LogFn;
  }
}

/** A scriptable driver: `onForward` decides what each forward does (default: resolve with a made-up URL). */
export class FakeNgrokDriver implements NgrokDriver {
  readonly forwards: NgrokForwardConfig[] = [];
  resets = 0;
  disconnects = 0;
  disposed = false;
  onForward: (config: NgrokForwardConfig) => Promise<{ url: string }> = async (config) => ({
    url: `https://${config.domain ?? 'random-1234.ngrok-free.app'}`,
  });
  onDisconnect: () => Promise<void> = async () => undefined;
  private readonly events = new Emitter<NgrokSessionEvent>();

  forward(config: NgrokForwardConfig): Promise<{ url: string }> {
    this.forwards.push(config);
    return this.onForward(config);
  }

  disconnect(): Promise<void> {
    this.disconnects++;
    return this.onDisconnect();
  }

  async reset(): Promise<void> {
    this.resets++;
  }

  onEvent(listener: Listener<NgrokSessionEvent>): Disposable {
    return this.events.event(listener);
  }

  /** Test helper: what the SDK would report. */
  emit(event: NgrokSessionEvent): void {
    this.events.fire(event);
  }

  dispose(): void {
    this.disposed = true;
    this.events.dispose();
  }
}

/** A promise with its resolve/reject handles, for driving the fake step by step. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
