/**
 * Small pieces the tunnel manager leans on: its user-facing errors (message + hint), option parsing, a bounded wait,
 * and the level of an ngrok log line.
 */
import {
  tunnelStartOptionsSchema,
  type TestConnectionResult,
  type TunnelStartOptions,
} from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import type { LogLevel } from '../logging/types';

export const tunnelErrors = {
  cancelled: () =>
    new KreoError('TUNNEL_CANCELLED', undefined, 'Run kreo ngrok start again when you want the tunnel.'),
  busy: (doing: string, state: string) =>
    new KreoError(
      'TUNNEL_BUSY',
      `The tunnel is ${doing}; try again when it has finished.`,
      'Watch kreo ngrok status; kreo ngrok stop cancels a start that takes too long.',
      { state },
    ),
  onlineWithOtherOptions: (url: string | null) =>
    new KreoError(
      'TUNNEL_BUSY',
      `The tunnel is already online at ${url} with other options.`,
      'Stop it first (kreo ngrok stop) and start it with the new options, or use kreo ngrok restart --port N.',
      { state: 'online' },
    ),
  startTimeout: (timeoutMs: number, serverAddr?: string) =>
    new KreoError(
      'TUNNEL_START_TIMEOUT',
      `ngrok did not answer within ${Math.round(timeoutMs / 1000)} s.`,
      serverAddr
        ? `The server at ${serverAddr} (ngrok.serverAddr) accepts connections but does not answer; check it, then run kreo ngrok start again.`
        : 'A firewall or proxy may be holding the connection to ngrok (connect.ngrok-agent.com:443). Check the network, then run kreo ngrok start again.',
      { timeoutMs },
    ),
  wentDown: (reason: string) =>
    new KreoError(
      'TUNNEL_FAILED',
      `The tunnel went down: ${reason}.`,
      'Start it again with kreo ngrok start; if it keeps happening, see ngrok_manager.log (kreo ngrok logs).',
    ),
  shuttingDown: () => new KreoError('UNAVAILABLE', 'The tunnel service is shutting down.'),
};

export function notOnlineResult(): TestConnectionResult {
  const error = new KreoError(
    'TUNNEL_NOT_RUNNING',
    'The tunnel is not online, so there is no public URL to test.',
    'Start it with kreo ngrok start, then test again.',
  );
  return {
    ok: false,
    url: null,
    statusCode: null,
    roundTripMs: null,
    challengeMatched: false,
    error: error.toInfo(),
  };
}

/** Validates start options (callers other than the contract adapters may pass anything). */
export function parseStartOptions(opts: TunnelStartOptions | undefined): TunnelStartOptions {
  const parsed = tunnelStartOptionsSchema.safeParse(opts ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path.join('.') || 'options';
  throw new KreoError(
    'INVALID_ARGUMENT',
    `Tunnel start option ${key} is not valid: ${issue?.message ?? 'bad value'}.`,
    'Example: kreo ngrok start --port 8000 --domain my-app.ngrok-free.app',
    { key },
  );
}

/** Options as they may be logged: the token replaced by where it came from. */
export function describeOptions(options: TunnelStartOptions): Record<string, unknown> {
  const { authtoken, ...rest } = options;
  return { ...rest, ...(authtoken ? { tokenSource: 'one-off' } : {}) };
}

/** Waits for `work` at most `ms`; never throws. */
export async function bounded(
  work: Promise<unknown>,
  ms: number,
): Promise<'ok' | 'timeout' | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([
      work.then(
        () => 'ok' as const,
        (error: unknown) => ({ error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** ngrok log lines read "LEVEL target - message". */
export function ngrokLineLevel(line: string): LogLevel {
  const level = /^(\w+)\s/.exec(line)?.[1]?.toUpperCase();
  if (level === 'ERROR') return 'error';
  if (level === 'WARN' || level === 'WARNING') return 'warning';
  if (level === 'INFO') return 'info';
  return 'debug';
}
