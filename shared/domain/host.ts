/** Facts about the running host. */
import { z } from 'zod';

export const hostInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'headless']),
  pid: z.number().int(),
  home: z.string(),
  startedAt: z.string(),
  /** Local webhook URL, e.g. http://127.0.0.1:8000/webhook */
  webhookUrl: z.string(),
  listening: z.boolean(),
});
export type HostInfo = z.infer<typeof hostInfoSchema>;
