/** Schemas shared by several domains. */
import { z } from 'zod';

export const errorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const emptySchema = z.object({}).strict().optional();
