/**
 * The probes health uses to look at other services without depending on them: Redis (reachable, latency, stream
 * length, backlog), the event store's disk, and the local listener (answers the handshake). The composition root
 * may pass its own; these defaults need only settings and paths.
 */
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { callbackUrl } from '../core/callback-url';
import type { FetchLike } from '../core/http';
import type { Disposable } from '../core/lifecycle';
import { reachableHost } from '../core/reachable-host';
import { closeRedisClient, createRedisClient } from '../core/redis-client';
import { sendHandshake } from '../tunnel/handshake';
import type { SettingsReader } from '../meta/types';

export interface RedisProbeResult {
  reachable: boolean;
  latencyMs: number | null;
  streamLength: number | null;
  /** Accepted events not yet in the stream (the pipeline's outbox), when known. */
  backlog: number | null;
  error?: string;
}
export type RedisProbe = () => Promise<RedisProbeResult>;

export interface StoreProbeResult {
  path: string;
  freeBytes: number;
  totalBytes: number;
  writable: boolean;
  error?: string;
}
export type StoreProbe = () => Promise<StoreProbeResult>;

export interface ListenerProbeResult {
  /** Something answered HTTP at the listener's address. */
  listening: boolean;
  /** It echoed the challenge for meta.verifyToken (null when not tried). */
  handshakeOk: boolean | null;
  url: string;
  statusCode: number | null;
  latencyMs: number | null;
  error?: string;
}
export type ListenerProbe = () => Promise<ListenerProbeResult>;

/**
 * Pings Redis and reads the stream length on one connection kept across runs: opened on the first run, opened again
 * after it dropped or redis.url changed, closed by dispose(). `backlog` comes from the pipeline.
 */
export function createRedisProbe(opts: {
  settings: SettingsReader;
  backlog?: () => number | null | Promise<number | null>;
  timeoutMs?: number;
}): RedisProbe & Disposable {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  let client: Redis | null = null;
  let clientUrl = '';
  let connecting: Promise<void> | null = null;
  let disposed = false;

  const close = () => {
    if (client) closeRedisClient(client);
    client = null;
    connecting = null;
  };
  const connected = async (url: string): Promise<Redis> => {
    if (client && clientUrl !== url) close();
    if (!client) {
      client = createRedisClient(url, {
        name: 'kreo-health',
        reconnect: false, // a dropped connection is opened again by the next run, not retried in the background
        maxRetriesPerRequest: 0,
        connectTimeoutMs: timeoutMs,
        commandTimeoutMs: timeoutMs,
      });
      clientUrl = url;
    }
    const c = client;
    if (c.status !== 'ready') {
      connecting ??= c.connect().finally(() => {
        connecting = null;
      });
      await connecting;
    }
    return c;
  };

  const probe = async (): Promise<RedisProbeResult> => {
    const { url, stream } = opts.settings.get().redis;
    const backlog = opts.backlog ? await Promise.resolve(opts.backlog()).catch(() => null) : null;
    try {
      if (disposed) throw new Error('health checks have stopped');
      const redis = await connected(url);
      const started = performance.now();
      await redis.ping();
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const streamLength = await redis.xlen(stream);
      return { reachable: true, latencyMs, streamLength, backlog };
    } catch (err) {
      return {
        reachable: false,
        latencyMs: null,
        streamLength: null,
        backlog,
        error: (err as Error).message,
      };
    }
  };
  return Object.assign(probe, {
    dispose() {
      disposed = true;
      close();
    },
  });
}

/** Free space and writability of the folder the event store lives in. */
export function createDiskProbe(dir: string): StoreProbe {
  return async () => {
    try {
      const fs = await statfs(dir);
      const writable = await access(dir, constants.W_OK).then(
        () => true,
        () => false,
      );
      return { path: dir, freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize, writable };
    } catch (err) {
      return { path: dir, freeBytes: 0, totalBytes: 0, writable: false, error: (err as Error).message };
    }
  };
}

/**
 * Sends the verification handshake to the local listener (not through the tunnel), marked `X-Kreo-Probe: health`
 * so the listener does not take it for Meta's.
 */
export function createListenerProbe(opts: {
  settings: SettingsReader;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** The listener's actual URL when the host knows it (null = not bound); default from server.host/port. */
  address?: () => string | null;
  /** Why it is not bound, when known. */
  bindError?: () => string | null;
}): ListenerProbe {
  const fetchImpl: FetchLike = opts.fetch ?? ((input, init) => fetch(input, init));
  return async () => {
    const s = opts.settings.get();
    const configured = callbackUrl(`http://${reachableHost(s.server.host)}:${s.server.port}`, s.webhook.path);
    const known = opts.address ? opts.address() : configured;
    const notAnswered = { listening: false, handshakeOk: null, statusCode: null, latencyMs: null };
    if (known === null) {
      return { ...notAnswered, url: configured, error: opts.bindError?.() ?? 'the listener is not bound' };
    }
    const outcome = await sendHandshake({
      url: known,
      verifyToken: s.meta.verifyToken,
      fetch: fetchImpl,
      timeoutMs: opts.timeoutMs ?? 2_000,
      probe: 'health',
      userAgent: 'KREO-WhatsApp-Panel/health',
    });
    if (outcome.kind === 'failure') return { ...notAnswered, url: known, error: outcome.reason };
    return {
      listening: true,
      handshakeOk: outcome.ok,
      url: known,
      statusCode: outcome.status,
      latencyMs: Math.round(outcome.elapsedMs),
      ...(outcome.ok ? {} : { error: `answered HTTP ${outcome.status} without the challenge` }),
    };
  };
}
