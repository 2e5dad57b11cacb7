/**
 * The probes health uses to look at other services without depending on them: Redis (reachable, latency, stream
 * length, backlog), the event store's disk, and the local listener (answers the handshake). The composition root
 * may pass its own; these defaults need only settings and paths.
 */
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FetchLike } from '../meta/graph-client';
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

/** Pings Redis on a short-lived connection and reads the stream length; `backlog` comes from the pipeline. */
export function createRedisProbe(opts: {
  settings: SettingsReader;
  backlog?: () => number | null | Promise<number | null>;
  timeoutMs?: number;
}): RedisProbe {
  return async () => {
    const { url, stream } = opts.settings.get().redis;
    const backlog = opts.backlog ? await Promise.resolve(opts.backlog()).catch(() => null) : null;
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: opts.timeoutMs ?? 2_000,
      commandTimeout: opts.timeoutMs ?? 2_000,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
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
    } finally {
      redis.disconnect();
    }
  };
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

/** Sends the verification handshake to the local listener (not through the tunnel). */
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
    const host = s.server.host === '0.0.0.0' || s.server.host === '::' ? '127.0.0.1' : s.server.host;
    const configured = `http://${host.includes(':') ? `[${host}]` : host}:${s.server.port}${s.webhook.path}`;
    const known = opts.address ? opts.address() : configured;
    if (known === null) {
      const why = opts.bindError?.() ?? 'the listener is not bound';
      return {
        listening: false,
        handshakeOk: null,
        url: configured,
        statusCode: null,
        latencyMs: null,
        error: why,
      };
    }
    const base = known;
    const challenge = String(randomInt(100_000_000, 2_000_000_000));
    const url = new URL(base);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', s.meta.verifyToken);
    const started = performance.now();
    try {
      const res = await fetchImpl(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 2_000) });
      const body = await res.text();
      const latencyMs = Math.round(performance.now() - started);
      const handshakeOk = res.status === 200 && body === challenge;
      return {
        listening: true,
        handshakeOk,
        url: base,
        statusCode: res.status,
        latencyMs,
        ...(handshakeOk ? {} : { error: `answered HTTP ${res.status} without the challenge` }),
      };
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      return {
        listening: false,
        handshakeOk: null,
        url: base,
        statusCode: null,
        latencyMs: null,
        error: code ?? (err as Error).message,
      };
    }
  };
}
