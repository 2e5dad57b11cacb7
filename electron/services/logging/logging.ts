/**
 * Logging: pino with the users' level names (DEBUG … CRITICAL) written as JSON lines
 * `{"level":"INFO","time":"<ISO>","module":"ngrok","msg":"…"}` into logs/whatsapp/: whatsapp.log gets every line,
 * ngrok_manager.log the 'ngrok' module's, webhook_config.log the 'webhook' module's. Files rotate by size
 * (rotating-file-stream, classic name.1 … name.N). Secrets are redacted by key path and by value. The same redacted
 * lines are offered in process (`onLines`, for the host's pushes to UIs); `tail`/`follow` read the files.
 */
import { mkdirSync } from 'node:fs';
import pino from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { LOG_FILE_NAMES, type LogFile } from '../../../shared/domain/logs';
import { toDisposable, type Disposable } from '../core/lifecycle';
import { LineFeed } from './log-feed';
import { followFile } from './log-follow';
import { LEVEL_VALUES, LEVELS } from './log-levels';
import { parseLogLines } from './log-parse';
import { logFilePath, tailLogFile } from './log-tail';
import { REDACTED, REDACT_PATHS, createValueRedactor } from './redactor';
import type { LogFn, LogLevel, Logging, ModuleLogger } from './types';

export interface CreateLoggingOptions {
  logsDir: string;
  level: LogLevel;
  /** Current secret values; called for every line so newly saved secrets are redacted at once. */
  redact: () => string[];
  /** Rotate a file when it reaches this size (rotating-file-stream syntax: 10M, 500K, 300B). Default 10M. */
  maxSize?: string;
  /** Rotated files kept per log (name.1 … name.N). Default 5. */
  maxFiles?: number;
  /** Called when a log file cannot be written (the app keeps running). Default: a line on stderr. */
  onError?: (err: unknown) => void;
  /** Called when an `onLines` listener throws (the others still get the lines). Default: a line on stderr. */
  onListenerError?: (err: unknown) => void;
}

const RETRY_AFTER_ERROR_MS = 5000;

/** One log file: a rotating stream plus a count of writes not yet on disk, for flush(). */
class FileSink {
  private stream: RotatingFileStream | null = null;
  private pending = 0;
  private idle: (() => void)[] = [];
  private closed = false;
  /** While a file cannot be written: report once, retry opening it after a pause. */
  private failing = false;
  private retryAt = 0;

  constructor(
    private readonly logsDir: string,
    private readonly name: string,
    private readonly opts: { size: string; rotate: number; onError: (err: unknown) => void },
  ) {}

  private open(): RotatingFileStream {
    const generator = ((index: number | null) => (index ? `${this.name}.${index}` : this.name)) as never;
    const stream = createStream(generator, {
      path: this.logsDir,
      size: this.opts.size as `${number}M`,
      rotate: this.opts.rotate,
    });
    stream.on('error', (err) => {
      // The stream is dead after an error: lines are dropped for a while, then a write opens a fresh one.
      if (this.stream === stream) this.stream = null;
      this.retryAt = Date.now() + RETRY_AFTER_ERROR_MS;
      if (!this.failing) this.opts.onError(err);
      this.failing = true;
    });
    stream.on('warning', (err) => this.opts.onError(err));
    return stream;
  }

  write(line: string): void {
    if (this.closed) return;
    if (!this.stream || this.stream.destroyed) {
      if (Date.now() < this.retryAt) return;
      this.stream = this.open();
    }
    this.pending++;
    this.stream.write(line, (err) => {
      if (!err) this.failing = false;
      if (--this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const stream = this.stream;
    this.stream = null;
    if (!stream || stream.destroyed) return;
    await new Promise<void>((resolve) => {
      stream.once('finish', () => resolve());
      stream.once('error', () => resolve());
      stream.end();
    });
  }
}

type PinoLogger = pino.Logger<LogLevel, boolean>;

export function createLogging(opts: CreateLoggingOptions): Logging {
  const onError =
    opts.onError ??
    ((err: unknown) => process.stderr.write(`kreo: a log file could not be written: ${String(err)}\n`));
  mkdirSync(opts.logsDir, { recursive: true, mode: 0o700 });
  const sinkOpts = { size: opts.maxSize ?? '10M', rotate: opts.maxFiles ?? 5, onError };
  const sinks: Record<LogFile, FileSink> = {
    whatsapp: new FileSink(opts.logsDir, LOG_FILE_NAMES.whatsapp, sinkOpts),
    ngrok: new FileSink(opts.logsDir, LOG_FILE_NAMES.ngrok, sinkOpts),
    webhook: new FileSink(opts.logsDir, LOG_FILE_NAMES.webhook, sinkOpts),
  };
  const redactValues = createValueRedactor(opts.redact);
  const feed = new LineFeed(
    opts.onListenerError ??
      ((err: unknown) => process.stderr.write(`kreo: a log line listener failed: ${String(err)}\n`)),
  );
  let minLevel = LEVEL_VALUES[opts.level];

  /** A pino root writing to the general file and, for a module with its own file, to that one too. */
  const root = (files: LogFile[]): PinoLogger =>
    pino<LogLevel, boolean>(
      {
        customLevels: LEVEL_VALUES,
        useOnlyCustomLevels: true,
        level: 'debug', // filtering happens in the wrapper, so setLevel reaches every child at once
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label.toUpperCase() }) },
        serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
        redact: { paths: REDACT_PATHS, censor: REDACTED },
        hooks: { streamWrite: redactValues },
      },
      {
        write: (line: string) => {
          files.forEach((f) => sinks[f].write(line));
          feed.push(line, files);
        },
      },
    );

  const roots = {
    whatsapp: root(['whatsapp']),
    ngrok: root(['whatsapp', 'ngrok']),
    webhook: root(['whatsapp', 'webhook']),
  };

  const wrap = (logger: PinoLogger, base: PinoLogger): ModuleLogger => {
    const method = (level: LogLevel): LogFn =>
      ((objOrMsg: Record<string, unknown> | string, msg?: string) => {
        if (LEVEL_VALUES[level] < minLevel) return;
        if (typeof objOrMsg === 'string') logger[level](objOrMsg);
        else logger[level](objOrMsg, msg);
      }) as LogFn;
    const out = Object.fromEntries(LEVELS.map((l) => [l, method(l)])) as Omit<ModuleLogger, 'child'>;
    return {
      ...out,
      child: (bindings) =>
        // A new module name replaces the old one instead of repeating the key in every line.
        wrap(
          'module' in bindings ? base.child({ ...logger.bindings(), ...bindings }) : logger.child(bindings),
          base,
        ),
    };
  };

  const moduleLogger = (file: LogFile, module: string) => wrap(roots[file].child({ module }), roots[file]);

  let disposed = false;
  return {
    whatsapp: moduleLogger('whatsapp', 'app'),
    ngrok: moduleLogger('ngrok', 'ngrok'),
    webhook: moduleLogger('webhook', 'webhook'),
    setLevel(level) {
      minLevel = LEVEL_VALUES[level];
    },
    async tail(file, lines) {
      return parseLogLines(await tailLogFile(opts.logsDir, file, lines), file);
    },
    onLines: (file, listener) => feed.on(file, listener),
    follow(file, onLines): Disposable {
      const follower = followFile(
        logFilePath(opts.logsDir, file),
        (raw) => {
          const parsed = parseLogLines(raw, file);
          if (parsed.length) onLines(parsed);
        },
        { keepAlive: false },
      );
      return toDisposable(() => follower.dispose());
    },
    async flush() {
      feed.deliver();
      await Promise.all(Object.values(sinks).map((s) => s.flush()));
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      feed.dispose();
      await Promise.all(Object.values(sinks).map((s) => s.close()));
    },
  };
}
