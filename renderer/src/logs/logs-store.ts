/**
 * Log lines held by the live-log screen: one bounded buffer for the three files (oldest dropped in chunks), a
 * filtered view kept in step as lines arrive (file, minimum level, text), and a pause that holds new lines aside
 * until the user resumes. Fed once per animation frame by a FrameBatcher.
 */
import type { LogFile, LogLevelName, LogLine } from '../../../shared/domain/logs';
import { StoreSignal } from '../lib/use-store';

export const LEVELS: readonly LogLevelName[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const RANK: Record<LogLevelName, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, CRITICAL: 4 };

export interface LogFilter {
  file: LogFile | 'all';
  minLevel: LogLevelName;
  text: string;
}

export const DEFAULT_LOG_FILTER: LogFilter = { file: 'all', minLevel: 'DEBUG', text: '' };

export function compileLogFilter(f: LogFilter): (l: LogLine) => boolean {
  const min = RANK[f.minLevel];
  const text = f.text.trim().toLowerCase();
  return (l) =>
    (f.file === 'all' || l.file === f.file) &&
    RANK[l.level] >= min &&
    (text === '' || l.msg.toLowerCase().includes(text) || l.raw.toLowerCase().includes(text));
}

export class LogsStore extends StoreSignal {
  /** lines[i] has sequence number base + i. */
  private lines: LogLine[] = [];
  private base = 0;
  /** Sequence numbers of lines matching the filter, ascending. */
  private visible: number[] = [];
  private held: LogLine[] = [];
  private filter: LogFilter = DEFAULT_LOG_FILTER;
  private test: (l: LogLine) => boolean = compileLogFilter(DEFAULT_LOG_FILTER);
  private pausedFlag = false;

  constructor(private readonly cap = 50_000) {
    super();
  }

  get total(): number {
    return this.lines.length;
  }

  get shown(): number {
    return this.visible.length;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  get heldCount(): number {
    return this.held.length;
  }

  get currentFilter(): LogFilter {
    return this.filter;
  }

  /** The i-th visible line, oldest first. */
  at(index: number): LogLine | undefined {
    const seq = this.visible[index];
    return seq === undefined ? undefined : this.lines[seq - this.base];
  }

  append(lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    if (this.pausedFlag) {
      for (const l of lines) this.held.push(l);
      if (this.held.length > this.cap) this.held.splice(0, this.held.length - this.cap);
      this.changed();
      return;
    }
    this.ingest(lines);
    this.changed();
  }

  setFilter(filter: LogFilter): void {
    this.filter = filter;
    this.test = compileLogFilter(filter);
    const visible: number[] = [];
    for (let i = 0; i < this.lines.length; i++) if (this.test(this.lines[i]!)) visible.push(this.base + i);
    this.visible = visible;
    this.changed();
  }

  setPaused(paused: boolean): void {
    if (paused === this.pausedFlag) return;
    this.pausedFlag = paused;
    if (!paused && this.held.length) {
      const held = this.held;
      this.held = [];
      this.ingest(held);
    }
    this.changed();
  }

  clear(): void {
    this.base += this.lines.length;
    this.lines = [];
    this.visible = [];
    this.held = [];
    this.changed();
  }

  private ingest(lines: readonly LogLine[]): void {
    for (const l of lines) {
      const seq = this.base + this.lines.length;
      this.lines.push(l);
      if (this.test(l)) this.visible.push(seq);
    }
    // Drop the oldest in chunks of a fifth of the cap so the cost is amortised.
    if (this.lines.length > this.cap + Math.floor(this.cap / 5)) {
      const drop = this.lines.length - this.cap;
      this.lines = this.lines.slice(drop);
      this.base += drop;
      let firstVisible = 0;
      while (firstVisible < this.visible.length && this.visible[firstVisible]! < this.base) firstVisible++;
      if (firstVisible) this.visible = this.visible.slice(firstVisible);
    }
  }
}
