/**
 * The last line of defence for a process that runs a host (`kreo serve`, the Electron main): a promise rejection
 * nobody handled, or an exception nothing caught, is logged to whatsapp.log at CRITICAL (stderr before the host's
 * logger exists) instead of killing the host silently or going unnoticed. The host keeps running: a stray rejection
 * leaves no state half-changed, and one failed callback should not take the tunnel down. A burst of uncaught
 * exceptions (the process is likely broken) calls `onFatal`, which stops the host and exits.
 */
import type { Disposable } from '../core/lifecycle';
import type { ModuleLogger } from '../logging/types';

type ProcessEvents = Pick<NodeJS.Process, 'on' | 'off'>;

export interface SafetyNetOptions {
  /** whatsapp.log once the host is up; null before (lines go to `fallback`). */
  logger: () => ModuleLogger | null;
  /** Where a line goes without a logger (default: stderr). */
  fallback?: (line: string) => void;
  /** Called once when uncaught exceptions come faster than `maxUncaught` per `windowMs`: stop and exit. */
  onFatal: (err: unknown) => void;
  /** Default 5 uncaught exceptions … */
  maxUncaught?: number;
  /** … within 60 s. */
  windowMs?: number;
  /** The process (tests pass an EventEmitter). */
  target?: ProcessEvents;
  now?: () => number;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  try {
    return typeof err === 'string' ? err : JSON.stringify(err);
  } catch {
    return String(err);
  }
}

export function installSafetyNet(opts: SafetyNetOptions): Disposable {
  const target = opts.target ?? process;
  const now = opts.now ?? Date.now;
  const max = opts.maxUncaught ?? 5;
  const windowMs = opts.windowMs ?? 60_000;
  const fallback = opts.fallback ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const recent: number[] = [];
  let fatal = false;

  const critical = (err: unknown, msg: string, extra: Record<string, unknown> = {}) => {
    const logger = opts.logger();
    try {
      if (logger) {
        logger.critical({ err, ...extra }, msg);
        return;
      }
    } catch {
      // A logger that is closing: fall through to stderr.
    }
    fallback(`CRITICAL ${msg}: ${describe(err)}`);
  };

  const onRejection = (reason: unknown) => {
    critical(reason, 'unhandled promise rejection (the host keeps running)');
  };
  const onException = (err: unknown, origin?: unknown) => {
    const t = now();
    recent.push(t);
    while (recent.length && recent[0]! <= t - windowMs) recent.shift();
    if (recent.length < max) {
      critical(err, 'uncaught exception (the host keeps running)', { origin });
      return;
    }
    critical(err, `uncaught exception, ${recent.length} within ${windowMs / 1000} s: stopping the host`, {
      origin,
    });
    if (!fatal) {
      fatal = true;
      opts.onFatal(err);
    }
  };

  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return {
    dispose() {
      target.off('unhandledRejection', onRejection);
      target.off('uncaughtException', onException);
    },
  };
}
