/** Log domain types: the three module files, level names as users see them, and a parsed log line. */
import { z } from 'zod';

export const logFileSchema = z.enum(['whatsapp', 'ngrok', 'webhook']);
export type LogFile = z.infer<typeof logFileSchema>;
export const LOG_FILE_NAMES: Record<LogFile, string> = {
  whatsapp: 'whatsapp.log',
  ngrok: 'ngrok_manager.log',
  webhook: 'webhook_config.log',
};

export const logLevelNameSchema = z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
export type LogLevelName = z.infer<typeof logLevelNameSchema>;

export const logLineSchema = z.object({
  file: logFileSchema,
  time: z.string(),
  level: logLevelNameSchema,
  module: z.string().optional(),
  msg: z.string(),
  /** The line as written (JSON). Already redacted. */
  raw: z.string(),
});
export type LogLine = z.infer<typeof logLineSchema>;

export const logsTailInputSchema = z
  .object({
    file: logFileSchema.default('whatsapp'),
    lines: z.number().int().min(1).max(10_000).default(50),
  })
  .strict();

export const logsBatchSchema = z.object({ file: logFileSchema, lines: z.array(logLineSchema) });
export type LogsBatch = z.infer<typeof logsBatchSchema>;
