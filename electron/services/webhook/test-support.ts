/**
 * Test and benchmark helpers for the webhook pipeline (never used by the app): in-memory settings with change
 * events and a capturing logger (ports, polling and a throwaway Redis are in test/support/).
 */
import {
  defaultSettings,
  type SettingKey,
  type Settings,
  type SettingsPatch,
} from '../../../shared/settings-schema';
import { Emitter } from '../core/lifecycle';
import type { LogFn, ModuleLogger } from '../logging/types';
import type { SettingsChange } from '../settings/types';
import type { WebhookSettingsSource } from './pipeline';

export class FakeSettings implements WebhookSettingsSource {
  private current: Settings;
  private readonly emitter = new Emitter<SettingsChange>();
  readonly onDidChange = this.emitter.event;

  constructor(patch: SettingsPatch = {}) {
    this.current = defaultSettings();
    this.apply(patch);
  }

  get(): Settings {
    return this.current;
  }

  set(patch: SettingsPatch): void {
    const changedKeys = this.apply(patch);
    this.emitter.fire({ settings: this.current, changedKeys });
  }

  private apply(patch: SettingsPatch): SettingKey[] {
    const next = structuredClone(this.current) as unknown as Record<string, Record<string, unknown>>;
    for (const [key, value] of Object.entries(patch)) {
      const [section, name] = key.split('.') as [string, string];
      next[section]![name] = value;
    }
    this.current = next as unknown as Settings;
    return Object.keys(patch) as SettingKey[];
  }
}

export interface LogEntry {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

export function memoryLogger(entries: LogEntry[] = []): ModuleLogger & { entries: LogEntry[] } {
  const make =
    (level: string): LogFn =>
    (a: string | Record<string, unknown>, b?: string) => {
      if (typeof a === 'string') entries.push({ level, msg: a, obj: {} });
      else entries.push({ level, msg: b ?? '', obj: a });
    };
  const logger: ModuleLogger & { entries: LogEntry[] } = {
    entries,
    debug: make('debug'),
    info: make('info'),
    warning: make('warning'),
    error: make('error'),
    critical: make('critical'),
    child: () => logger,
  };
  return logger;
}

export const silentLogger: ModuleLogger = {
  debug: () => undefined,
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  critical: () => undefined,
  child: () => silentLogger,
};
