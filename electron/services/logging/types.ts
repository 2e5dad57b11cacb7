/** The logging seam: one logger per module file, levels as users name them, a line feed, tail and follow for UIs. */
import type { LogFile, LogLine, LogLevelName } from '../../../shared/domain/logs';
import type { Disposable } from '../core/lifecycle';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

export interface LogFn {
  (msg: string): void;
  (obj: Record<string, unknown>, msg?: string): void;
}

export interface ModuleLogger {
  debug: LogFn;
  info: LogFn;
  warning: LogFn;
  error: LogFn;
  critical: LogFn;
  child(bindings: Record<string, unknown>): ModuleLogger;
}

export interface Logging extends Disposable {
  /** General log (whatsapp.log); module loggers also write here. */
  readonly whatsapp: ModuleLogger;
  /** ngrok_manager.log */
  readonly ngrok: ModuleLogger;
  /** webhook_config.log */
  readonly webhook: ModuleLogger;
  setLevel(level: LogLevel): void;
  /** Last `lines` lines of a file, parsed; cost independent of file size. */
  tail(file: LogFile, lines: number): Promise<LogLine[]>;
  /**
   * Calls back with the lines this process logs to `file` from now on: redacted, parsed once, in order, batched per
   * event-loop turn. Read from the write path, not from disk (the host pushes these to UIs).
   */
  onLines(file: LogFile, listener: (lines: LogLine[]) => void): Disposable;
  /** Calls back with new lines (batched) as they are written to the file by any process; survives rotation. */
  follow(file: LogFile, onLines: (lines: LogLine[]) => void): Disposable;
  /** Flushes pending writes (tests, shutdown). */
  flush(): Promise<void>;
}

export type { LogFile, LogLine, LogLevelName };
