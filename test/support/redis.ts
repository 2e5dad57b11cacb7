/**
 * Test-only throwaway Redis: a real `redis-server` child on 127.0.0.1, no RDB snapshots, optionally an append-only
 * file so a stop/start keeps the data (like a developer's local Redis). Stopped by pid.
 */
import { spawn } from 'node:child_process';
import { freePort } from './net';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM by pid (SIGKILL if it is still there after 10 s), then waits for the exit. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Port to bind (a restart on the same port reuses it); a free one when absent. */
  port?: number;
  /** With a directory, an append-only file is kept there (fsync always); without, nothing is persisted. */
  dir?: string;
  /** How long the server may take to say it accepts connections (default 10 s). */
  readyTimeoutMs?: number;
}

const PORT_ATTEMPTS = 3;

/** Starts `redis-server` and resolves once it accepts connections. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  if (opts.port !== undefined) return spawnRedis(opts.port, opts);
  // The free port can be taken by someone else before Redis binds it: pick another a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnRedis(await freePort(), opts);
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function spawnRedis(port: number, opts: RedisServerOptions): Promise<RedisServer> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--save', ''];
  if (opts.dir) args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', opts.dir);
  else args.push('--appendonly', 'no');
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} not ready after ${readyTimeoutMs} ms:\n${out}`));
    }, readyTimeoutMs);
    const collect = (chunk: Buffer) => {
      if (ready) return; // keep the pipes drained, stop keeping the text
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be started (${err.message}); is it installed?`));
    });
    // 'close' (not 'exit'): by then all of its output has been read, the reason included.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (${code ?? signal}) while starting:\n${out}`));
    });
  });
  const pid = child.pid!;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone: the exit event is on its way
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
}
