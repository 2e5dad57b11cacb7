/** The five levels as users name them, their pino numbers, and the mapping both ways. */
import type { LogLevelName } from '../../../shared/domain/logs';
import type { LogLevel } from './types';

export const LEVEL_VALUES: Record<LogLevel, number> = {
  debug: 20,
  info: 30,
  warning: 40,
  error: 50,
  critical: 60,
};

export const LEVELS = Object.keys(LEVEL_VALUES) as LogLevel[];

export function levelName(level: LogLevel): LogLevelName {
  return level.toUpperCase() as LogLevelName;
}

/** Any level found in a line (ours, pino's default numbers or labels) → the name shown to users. */
export function toLevelName(value: unknown): LogLevelName | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (value >= 60) return 'CRITICAL';
    if (value >= 50) return 'ERROR';
    if (value >= 40) return 'WARNING';
    if (value >= 30) return 'INFO';
    return 'DEBUG';
  }
  if (typeof value !== 'string') return undefined;
  switch (value.toLowerCase()) {
    case 'trace':
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
    case 'warning':
      return 'WARNING';
    case 'error':
      return 'ERROR';
    case 'fatal':
    case 'critical':
      return 'CRITICAL';
    default:
      return undefined;
  }
}
