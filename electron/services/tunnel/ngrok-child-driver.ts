/**
 * The default NgrokDriver: runs the SDK in a helper child process (ngrok-child.ts) so a hung SDK can be killed.
 * `reset()` kills the child; the next `forward()` forks a fresh one. `disconnect()` asks the SDK to close the
 * listener and session, then ends the child too (the SDK leaves its TLS socket open after disconnect).
 *
 * Where the child entry lives (`ngrokChildEntryPath()`):
 * - from TypeScript sources (tsx, vitest): `ngrok-child.ts` beside this file, forked with `--import <tsx loader>`;
 * - from a build: `ngrok-child.js` (or .mjs/.cjs) in the same folder as the bundle that contains this code.
 *   electron-vite must build `electron/services/tunnel/ngrok-child.ts` as a separate main-process entry named
 *   `ngrok-child` (e.g. `main.build.rollupOptions.input = { index: ..., 'ngrok-child': ... }`) and keep
 *   `@ngrok/ngrok` external; electron-builder must `asarUnpack` `node_modules/@ngrok/**` (native `.node` files).
 *
 * How the Electron main process forks it: `fork(entry, [], { execPath: process.execPath, env: { ...process.env,
 * ELECTRON_RUN_AS_NODE: '1', KREO_NGROK_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })` — which is
 * exactly what this driver does by default (ELECTRON_RUN_AS_NODE makes the Electron binary behave as plain Node and
 * is harmless under Node). Nothing else is needed in main: construct `new ChildNgrokDriver()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Emitter, type Disposable, type Listener } from '../core/lifecycle';
import {
  childMessageSchema,
  errorFromChild,
  type ChildMessage,
  type ParentMessage,
} from './ngrok-child-protocol';
import type { NgrokDriver, NgrokForwardConfig, NgrokSessionEvent } from './types';

export interface ChildNgrokDriverOptions {
  /** The child entry file; default `ngrokChildEntryPath()`. */
  entryPath?: string;
  /** Default `process.execPath` (node, or the Electron binary run as node). */
  execPath?: string;
  /** Default: `--import <tsx loader>` for a `.ts` entry, none for built JS. */
  execArgv?: string[];
  /** Environment of the child; default `process.env`. KREO_NGROK_CHILD and ELECTRON_RUN_AS_NODE are added. */
  env?: NodeJS.ProcessEnv;
  /** How long the child may take to load the SDK and say it is ready. Default 15 s. */
  readyTimeoutMs?: number;
}

const ENTRY_NAMES_BUILT = ['ngrok-child.js', 'ngrok-child.mjs', 'ngrok-child.cjs'];

/** Resolves the child entry beside the module that contains this code (source or bundle). */
export function ngrokChildEntryPath(baseUrl: string = import.meta.url): string {
  const here = fileURLToPath(baseUrl);
  const dir = path.dirname(here);
  const names = /\.[cm]?ts$/.test(here) ? ['ngrok-child.ts'] : ENTRY_NAMES_BUILT;
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return path.join(dir, names[0]!);
}

/** Node flags needed to run the entry: tsx's loader (as an absolute URL) for TypeScript sources. */
export function execArgvFor(entryPath: string): string[] {
  if (!/\.[cm]?ts$/.test(entryPath)) return [];
  const loader = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(loader).href];
}

/** A request without its id (the driver numbers requests). */
type ParentBody = ParentMessage extends infer M ? (M extends unknown ? Omit<M, 'id'> : never) : never;

interface Pending {
  child: ChildProcess;
  resolve: (value: { url?: string }) => void;
  reject: (err: Error) => void;
}

export class ChildNgrokDriver implements NgrokDriver {
  private readonly events = new Emitter<NgrokSessionEvent>();
  private readonly pending = new Map<number, Pending>();
  private readonly intentional = new WeakSet<ChildProcess>();
  private readonly connected = new WeakSet<ChildProcess>();
  private readonly isReady = new WeakSet<ChildProcess>();
  private child: ChildProcess | null = null;
  private ready: Promise<ChildProcess> | null = null;
  private nextId = 1;
  private disposed = false;

  constructor(private readonly opts: ChildNgrokDriverOptions = {}) {}

  /** The current child's pid, or null (diagnostics and tests). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async forward(config: NgrokForwardConfig): Promise<{ url: string }> {
    const child = await this.spawn();
    const result = await this.request(child, { type: 'forward', config });
    if (!result.url) throw new Error('the ngrok helper returned no URL');
    this.connected.add(child);
    return { url: result.url };
  }

  async disconnect(): Promise<void> {
    const child = this.child;
    if (!child) return;
    try {
      // Only once ready: a child still loading has no session to close.
      if (this.isReady.has(child)) await this.request(child, { type: 'disconnect' });
    } finally {
      await this.kill(child);
    }
  }

  async reset(): Promise<void> {
    const child = this.child;
    if (child) await this.kill(child);
  }

  onEvent(listener: Listener<NgrokSessionEvent>): Disposable {
    return this.events.event(listener);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.reset();
    this.events.dispose();
  }

  private spawn(): Promise<ChildProcess> {
    if (this.disposed) return Promise.reject(new Error('the ngrok driver was disposed'));
    if (this.ready) return this.ready;
    const entry = this.opts.entryPath ?? ngrokChildEntryPath();
    const child = fork(entry, [], {
      execPath: this.opts.execPath ?? process.execPath,
      execArgv: this.opts.execArgv ?? execArgvFor(entry),
      env: { ...(this.opts.env ?? process.env), KREO_NGROK_CHILD: '1', ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    const stderrTail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        const isErr = stream === child.stderr;
        if (isErr) {
          stderrTail.push(line);
          if (stderrTail.length > 5) stderrTail.shift();
        }
        if (this.child === child) {
          this.events.fire({ type: 'log', line: `${isErr ? 'WARN' : 'INFO'} ngrok-child - ${line}` });
        }
      });
    }

    const ready = new Promise<ChildProcess>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(child);
      };
      const timer = setTimeout(() => {
        settle(new Error(`the ngrok helper process did not start within ${this.readyTimeoutMs} ms`));
        void this.kill(child);
      }, this.readyTimeoutMs);

      child.on('message', (raw: unknown) => {
        const parsed = childMessageSchema.safeParse(raw);
        if (!parsed.success) {
          this.events.fire({ type: 'log', line: 'WARN ngrok-child - ignored a malformed message' });
          return;
        }
        const msg = parsed.data;
        if (msg.type === 'ready') {
          this.isReady.add(child);
          settle(null);
        } else if (msg.type === 'fatal') settle(new Error(msg.message));
        this.onMessage(child, msg);
      });
      const onGone = (reason: string) => {
        const tail = stderrTail.length ? `: ${stderrTail.join(' | ')}` : '';
        const why = this.intentional.has(child) ? 'was reset' : reason;
        settle(new Error(`the ngrok helper process ${why} before it was ready${tail}`));
        this.onGone(child, reason);
      };
      child.once('error', (err) => onGone(`could not start (${err.message})`));
      child.once('exit', (code, signal) => onGone(`exited (${signal ?? `code ${code}`})`));
    });
    // Nobody may be awaiting `ready` when the child dies; keep that from becoming an unhandled rejection.
    ready.catch(() => undefined);
    this.ready = ready;
    return ready;
  }

  private get readyTimeoutMs(): number {
    return this.opts.readyTimeoutMs ?? 15_000;
  }

  private request(child: ChildProcess, message: ParentBody): Promise<{ url?: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error('the ngrok helper process is not running'));
        return;
      }
      this.pending.set(id, { child, resolve, reject });
      child.send({ ...message, id }, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(new Error(`could not talk to the ngrok helper process: ${err.message}`));
      });
    });
  }

  private onMessage(child: ChildProcess, msg: ChildMessage): void {
    if (msg.type === 'result') {
      const waiter = this.pending.get(msg.id);
      if (!waiter || waiter.child !== child) return;
      this.pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.url ? { url: msg.url } : {});
      else waiter.reject(errorFromChild(msg.error ?? { message: 'the ngrok helper reported a failure' }));
    } else if (msg.type === 'event' && this.child === child) {
      this.events.fire(msg.event);
    }
  }

  /** The child exited or failed: fail its requests; tell listeners if a live session ended unexpectedly. */
  private onGone(child: ChildProcess, reason: string): void {
    for (const [id, waiter] of this.pending) {
      if (waiter.child !== child) continue;
      this.pending.delete(id);
      waiter.reject(
        new Error(
          this.intentional.has(child)
            ? 'the ngrok helper process was reset'
            : `the ngrok helper process ${reason}`,
        ),
      );
    }
    if (this.child === child) {
      this.child = null;
      this.ready = null;
    }
    if (!this.intentional.has(child) && this.connected.has(child) && !this.disposed) {
      this.events.fire({ type: 'ended', reason: `the ngrok helper process ${reason}` });
    }
  }

  /** Ends a child for good and waits (bounded) until it is gone. */
  private async kill(child: ChildProcess): Promise<void> {
    this.intentional.add(child);
    if (this.child === child) {
      this.child = null;
      this.ready = null;
    }
    const gone =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    this.onGone(child, 'was reset');
  }
}
