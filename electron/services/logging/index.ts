/** Public entry of logging: the service for the host, and the host-free readers the CLI uses on the files. */
export { createLogging, type CreateLoggingOptions } from './logging';
export { tailLines, tailLogFile, logFilePath, type TailOptions, type TailStats } from './log-tail';
export { followFile, type FollowHandle, type FollowOptions } from './log-follow';
export { parseLogLine, parseLogLines } from './log-parse';
export { LEVEL_VALUES, LEVELS, levelName, toLevelName } from './log-levels';
export { REDACTED, REDACT_PATHS, createValueRedactor } from './redactor';
export type { LogFn, LogLevel, Logging, ModuleLogger } from './types';
