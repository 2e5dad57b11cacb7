import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './net';
import { startRedisServer, type RedisServer } from './redis';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function client(url: string): Redis {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  cleanup.push(() => r.disconnect());
  return r;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startRedisServer', () => {
  it('serves on a free loopback port and stop() ends the process by pid', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    const r = client(server.url);
    await r.connect();
    expect(await r.ping()).toBe('PONG');
    await server.stop();
    expect(alive(server.pid)).toBe(false);
    await server.stop(); // twice is fine
  });

  it('keeps the data across a restart on the same port when given a directory', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-support-redis-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    let server: RedisServer = await startRedisServer({ port, dir });
    cleanup.push(() => server.stop());
    const first = client(server.url);
    await first.connect();
    await first.set('k', 'v');
    first.disconnect();
    await server.stop();

    server = await startRedisServer({ port, dir });
    expect(server.port).toBe(port);
    const second = client(server.url);
    await second.connect();
    expect(await second.get('k')).toBe('v');
  });

  it('says why when the port is taken', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    await expect(startRedisServer({ port: server.port })).rejects.toThrow(
      /exited \(1\) while starting:[^]*Address already in use/,
    );
  });
});
