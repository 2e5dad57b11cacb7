/**
 * The one way this app opens a Redis connection (ioredis). Every client connects only when asked (lazyConnect),
 * fails commands at once while disconnected instead of queueing them (no offline queue, one re-send after a
 * reconnect at most), bounds its connection attempts (and, when asked, each command), and has an 'error' listener
 * from birth, so a refused connection never becomes an unhandled 'error' event.
 */
import { Redis } from 'ioredis';

export interface RedisClientOptions {
  /** Bound on each connection attempt. Default 2 s. */
  connectTimeoutMs?: number;
  /** Bound on each command's answer. Default none. */
  commandTimeoutMs?: number;
  /** How often a command is re-sent after a reconnect before it fails. Default 1. */
  maxRetriesPerRequest?: number;
  /** Queue commands while disconnected instead of failing them. Default false. */
  offlineQueue?: boolean;
  /**
   * Send again, after a reconnect, commands that were sent but not answered when the connection dropped (ioredis'
   * default). Default true; false where a command must never run twice (it may have run). ioredis then never
   * settles such a command: the caller must also listen for 'close' (see redis-outbox.ts answerOrClose).
   */
  resendUnanswered?: boolean;
  /**
   * Reconnecting after a lost or refused connection, `min(stepMs × attempt, maxMs)` apart; false: never (the
   * client ends, and the caller may connect() again). Default 200 ms steps up to 2 s.
   */
  reconnect?: false | { stepMs: number; maxMs: number };
  /** Shown by CLIENT LIST (e.g. kreo-health), so an operator can tell the panel's connections apart. */
  name?: string;
  /** Sees connection errors. Default: ignored (the failed commands carry them). */
  onError?: (err: Error) => void;
}

export function createRedisClient(url: string, opts: RedisClientOptions = {}): Redis {
  const reconnect = opts.reconnect ?? { stepMs: 200, maxMs: 2_000 };
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: opts.offlineQueue ?? false,
    autoResendUnfulfilledCommands: opts.resendUnanswered ?? true,
    maxRetriesPerRequest: opts.maxRetriesPerRequest ?? 1,
    connectTimeout: opts.connectTimeoutMs ?? 2_000,
    ...(opts.commandTimeoutMs !== undefined ? { commandTimeout: opts.commandTimeoutMs } : {}),
    ...(opts.name ? { connectionName: opts.name } : {}),
    retryStrategy: reconnect ? (times) => Math.min(reconnect.stepMs * times, reconnect.maxMs) : () => null,
  });
  client.on('error', opts.onError ?? (() => undefined));
  return client;
}

/** Closes a client for good, at once: its listeners are dropped (errors stay handled) and the socket closed. */
export function closeRedisClient(client: Redis): void {
  client.removeAllListeners();
  client.on('error', () => undefined);
  client.disconnect();
}
