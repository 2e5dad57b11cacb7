/** Raw lines from a log file → LogLine. Never throws: a line that is not our JSON is shown as an INFO message. */
import type { LogFile, LogLine } from '../../../shared/domain/logs';
import { toLevelName } from './log-levels';

export function parseLogLine(raw: string, file: LogFile): LogLine {
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    obj = undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return { file, time: '', level: 'INFO', msg: raw, raw };
  const o = obj as Record<string, unknown>;
  const line: LogLine = {
    file,
    time: toTime(o.time),
    level: toLevelName(o.level) ?? 'INFO',
    msg: typeof o.msg === 'string' ? o.msg : typeof o.message === 'string' ? o.message : '',
    raw,
  };
  if (typeof o.module === 'string') line.module = o.module;
  return line;
}

export function parseLogLines(raws: readonly string[], file: LogFile): LogLine[] {
  return raws.filter((r) => r.trim() !== '').map((r) => parseLogLine(r, file));
}

function toTime(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? '' : d.toISOString();
  }
  return '';
}
