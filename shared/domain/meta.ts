/** Meta integration domain types: registration status, health report, sending and rate limits. */
import { z } from 'zod';
import { errorInfoSchema } from './common';

export const webhookScopeSchema = z.enum(['app', 'waba', 'phone']);
export type WebhookScope = z.infer<typeof webhookScopeSchema>;

export const webhookStatusSchema = z.object({
  registered: z.boolean(),
  registeredAt: z.string().nullable(),
  registeredUrl: z.string().nullable(),
  /** The callback URL the current tunnel implies (public URL + webhook.path), or null when the tunnel is down. */
  expectedUrl: z.string().nullable(),
  /** What Meta reports for the configured scope, when it could be asked. */
  metaUrl: z.string().nullable(),
  matches: z.boolean().nullable(),
  scope: webhookScopeSchema,
  /** The callback that was in place before we registered, to be restored on unregister. */
  previousUrl: z.string().nullable(),
  detail: z.string().optional(),
  /** The last failed registration attempt (e.g. automatic registration when the tunnel came online). */
  lastError: errorInfoSchema.nullable().optional(),
});
export type WebhookStatus = z.infer<typeof webhookStatusSchema>;

export const healthStateSchema = z.enum(['ok', 'warning', 'failed', 'not_configured']);
export type HealthState = z.infer<typeof healthStateSchema>;
export const healthCheckNameSchema = z.enum([
  'meta',
  'redis',
  'tunnel',
  'webhook',
  'listener',
  'store',
  'secrets',
]);
export type HealthCheckName = z.infer<typeof healthCheckNameSchema>;

export const healthCheckSchema = z.object({
  name: healthCheckNameSchema,
  state: healthStateSchema,
  detail: z.string(),
  hint: z.string().optional(),
  checkedAt: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;

export const healthReportSchema = z.object({
  checkedAt: z.string(),
  overall: healthStateSchema,
  checks: z.array(healthCheckSchema),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

const recipient = z
  .string()
  .regex(/^\+?\d{6,20}$/, 'digits of the recipient phone number, country code first');

export const sendTextInputSchema = z
  .object({
    to: recipient,
    text: z.string().min(1).max(4096),
    previewUrl: z.boolean().optional(),
  })
  .strict();
export type SendTextInput = z.infer<typeof sendTextInputSchema>;

export const sendTemplateInputSchema = z
  .object({
    to: recipient,
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'a template name (lowercase letters, digits and _)'),
    language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as en_US or es'),
    components: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
  })
  .strict();
export type SendTemplateInput = z.infer<typeof sendTemplateInputSchema>;

export const sendResultSchema = z.object({
  messageId: z.string(),
  to: z.string(),
  queuedMs: z.number(),
  attempts: z.number().int(),
});
export type SendResult = z.infer<typeof sendResultSchema>;

export const rateLimitStatusSchema = z.object({
  messagesPerSecond: z.number(),
  concurrency: z.number().int(),
  maxQueueSize: z.number().int(),
  /** Sends completed in the last second. */
  currentRate: z.number(),
  tokens: z.number(),
  queueDepth: z.number().int(),
  inFlight: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  throttled: z.number().int(),
  rejected: z.number().int(),
  backend: z.enum(['redis', 'local']),
});
export type RateLimitStatus = z.infer<typeof rateLimitStatusSchema>;
