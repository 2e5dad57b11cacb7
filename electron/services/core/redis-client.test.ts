import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { freePort } from '../../../test/support/net';
import { startRedisServer, type RedisServer } from '../../../test/support/redis';
import { closeRedisClient, createRedisClient } from './redis-client';

let server: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  for (const c of clients.splice(0)) closeRedisClient(c);
  vi.restoreAllMocks();
});

const track = (c: Redis) => (clients.push(c), c);

describe('createRedisClient', () => {
  it('connects only when asked, then answers commands under its name', async () => {
    const client = track(createRedisClient(server.url, { name: 'kreo-test' }));
    expect(client.status).toBe('wait');
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.client('GETNAME')).toBe('kreo-test');
  });

  it('fails commands at once while disconnected, and never emits an unhandled error', async () => {
    const unhandled = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const errors: Error[] = [];
    const url = `redis://127.0.0.1:${await freePort()}`;
    const client = track(createRedisClient(url, { reconnect: false, onError: (e) => errors.push(e) }));
    await expect(client.connect()).rejects.toThrow();
    expect(client.status).toBe('end');
    await expect(client.ping()).rejects.toThrow(/Connection is closed/);
    expect(errors.some((e) => /ECONNREFUSED/.test(e.message))).toBe(true);

    // The default listener swallows the same errors.
    const quiet = track(createRedisClient(url, { reconnect: false }));
    await expect(quiet.connect()).rejects.toThrow();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('can connect again after a failed attempt when reconnecting is off', async () => {
    const port = await freePort();
    const client = track(createRedisClient(`redis://127.0.0.1:${port}`, { reconnect: false }));
    await expect(client.connect()).rejects.toThrow();
    const late = await startRedisServer({ port });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
    } finally {
      closeRedisClient(client);
      await late.stop();
    }
  });

  it('bounds commands when asked', async () => {
    const client = track(createRedisClient(server.url, { commandTimeoutMs: 50 }));
    await client.connect();
    await expect(client.blpop('kreo:test:never', 5)).rejects.toThrow(/timed out/);
  });
});
