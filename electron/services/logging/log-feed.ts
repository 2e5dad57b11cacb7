/**
 * The in-process line feed: each line as logging writes it (after redaction), parsed once, handed to the listeners
 * of every file it goes to, in order, batched per event-loop turn. The host pushes these to UIs (`logs:lines`)
 * instead of reading its own files back; nothing is parsed or queued for a file nobody listens to.
 */
import type { LogFile, LogLine } from '../../../shared/domain/logs';
import { Emitter, type Disposable } from '../core/lifecycle';
import { parseLogLine } from './log-parse';

export class LineFeed implements Disposable {
  private readonly emitters = new Map<LogFile, Emitter<LogLine[]>>();
  private pending = new Map<LogFile, LogLine[]>();
  private scheduled: NodeJS.Immediate | null = null;
  private disposed = false;

  constructor(private readonly onListenerError: (err: unknown) => void) {}

  private emitter(file: LogFile): Emitter<LogLine[]> {
    let emitter = this.emitters.get(file);
    if (!emitter) {
      emitter = new Emitter<LogLine[]>({ onListenerError: (err) => this.onListenerError(err) });
      this.emitters.set(file, emitter);
    }
    return emitter;
  }

  /** Calls back with batches of the lines written to `file` from now on. */
  on(file: LogFile, listener: (lines: LogLine[]) => void): Disposable {
    return this.emitter(file).event(listener);
  }

  /** One serialized line (with or without its newline), written to `files`. */
  push(line: string, files: readonly LogFile[]): void {
    if (this.disposed) return;
    const wanted = files.filter((f) => (this.emitters.get(f)?.size ?? 0) > 0);
    if (wanted.length === 0) return;
    const parsed = parseLogLine(line.endsWith('\n') ? line.slice(0, -1) : line, wanted[0]!);
    wanted.forEach((file, i) => {
      const lines = this.pending.get(file);
      const item = i === 0 ? parsed : { ...parsed, file };
      if (lines) lines.push(item);
      else this.pending.set(file, [item]);
    });
    // Never from inside the write: a listener that logs would re-enter the logger.
    this.scheduled ??= setImmediate(() => this.deliver());
  }

  /** Hands out what is queued now (also run at the end of the turn in which lines were written). */
  deliver(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batches = this.pending;
    this.pending = new Map();
    for (const [file, lines] of batches) this.emitters.get(file)?.fire(lines);
  }

  dispose(): void {
    if (this.disposed) return;
    this.deliver();
    this.disposed = true;
    for (const emitter of this.emitters.values()) emitter.dispose();
  }
}
