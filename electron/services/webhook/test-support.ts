/**
 * Test and benchmark helpers for the webhook pipeline (never used by the app): in-memory settings with change
 * events, a capturing logger, a free port, a real `redis-server` child on 127.0.0.1, and a polling wait.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` every `everyMs` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, everyMs = 20, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface RedisServer {
  port: number;
  url: string;
  pid: number;
  /** SIGTERM by pid, then wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on 127.0.0.1:`port` (no RDB snapshots). With `dir`, an append-only file is kept there
 * (fsync always) so a stop/start keeps the stream, like a developer's local Redis.
 */
export async function startRedisServer(port: number, dir?: string): Promise<RedisServer> {
  const args = ['--save', '', '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no'];
  if (dir) args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir);
  else args.push('--appendonly', 'no');
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
