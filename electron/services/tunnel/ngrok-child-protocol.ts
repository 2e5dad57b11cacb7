/**
 * The IPC messages between the tunnel manager's process and the ngrok helper child process. Both sides parse what
 * they receive with these schemas; anything else is ignored and reported.
 */
import { z } from 'zod';

export const forwardConfigSchema = z
  .object({
    addr: z.string().min(1).max(300),
    authtoken: z.string().max(512),
    domain: z.string().max(253).optional(),
    serverAddr: z.string().max(300).optional(),
    caCertPem: z
      .string()
      .max(1024 * 1024)
      .optional(),
  })
  .strict();

export const parentMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('forward'), id: z.number().int().positive(), config: forwardConfigSchema }),
  z.object({ type: z.literal('disconnect'), id: z.number().int().positive() }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;

/** What survives of an SDK error across the process boundary. */
export const childErrorSchema = z.object({
  message: z.string(),
  code: z.string().optional(),
  errorCode: z.string().optional(),
});
export type ChildError = z.infer<typeof childErrorSchema>;

export const sessionEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: z.enum(['connected', 'closed']) }),
  z.object({ type: z.literal('log'), line: z.string().max(16 * 1024) }),
]);

export const childMessageSchema = z.discriminatedUnion('type', [
  /** The SDK is loaded and the child listens for requests. */
  z.object({ type: z.literal('ready') }),
  /** The child cannot work (e.g. the native addon did not load); it exits right after. */
  z.object({ type: z.literal('fatal'), message: z.string() }),
  z.object({
    type: z.literal('result'),
    id: z.number().int().positive(),
    ok: z.boolean(),
    url: z.string().optional(),
    error: childErrorSchema.optional(),
  }),
  z.object({ type: z.literal('event'), event: sessionEventSchema }),
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;

/** An Error carrying the SDK's fields again, so the translator sees what it would have seen in-process. */
export function errorFromChild(info: ChildError): Error & { code?: string; errorCode?: string } {
  const err = new Error(info.message) as Error & { code?: string; errorCode?: string };
  if (info.code) err.code = info.code;
  if (info.errorCode) err.errorCode = info.errorCode;
  return err;
}

export function errorToChild(err: unknown): ChildError {
  if (err && typeof err === 'object') {
    const e = err as { message?: unknown; code?: unknown; errorCode?: unknown };
    const out: ChildError = { message: typeof e.message === 'string' ? e.message : String(err) };
    if (typeof e.code === 'string') out.code = e.code;
    if (typeof e.errorCode === 'string') out.errorCode = e.errorCode;
    return out;
  }
  return { message: String(err) };
}
