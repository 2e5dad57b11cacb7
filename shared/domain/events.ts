/** Webhook event domain types: a stored delivery (one POST), its normalised records, forward attempts. */
import { z } from 'zod';

export const eventKindSchema = z.enum(['message', 'status', 'error', 'template', 'account', 'other']);
export type EventKind = z.infer<typeof eventKindSchema>;

export const signatureResultSchema = z.enum(['valid', 'invalid', 'missing', 'unchecked']);
export type SignatureResult = z.infer<typeof signatureResultSchema>;

/** One normalised change inside a delivery. Never assumes a phone number: `from` may be a business-scoped user id. */
export const eventRecordSchema = z.object({
  kind: eventKindSchema,
  field: z.string(),
  wabaId: z.string().nullable(),
  phoneNumberId: z.string().nullable(),
  messageId: z.string().nullable(),
  from: z.string().nullable(),
  fromType: z.enum(['wa_id', 'user_id']).nullable(),
  recipient: z.string().nullable(),
  messageType: z.string().nullable(),
  status: z.string().nullable(),
  errorCodes: z.array(z.number()),
  errorTitles: z.array(z.string()),
  timestamp: z.string().nullable(),
  text: z.string().nullable(),
});
export type EventRecord = z.infer<typeof eventRecordSchema>;

/** A record with only its kind and field set (everything else empty), to be filled in by whoever builds it. */
export function blankRecord(kind: EventKind, field: string, fill: Partial<EventRecord> = {}): EventRecord {
  return {
    kind,
    field,
    wabaId: null,
    phoneNumberId: null,
    messageId: null,
    from: null,
    fromType: null,
    recipient: null,
    messageType: null,
    status: null,
    errorCodes: [],
    errorTitles: [],
    timestamp: null,
    text: null,
    ...fill,
  };
}

export const forwardAttemptSchema = z.object({
  at: z.string(),
  target: z.string(),
  statusCode: z.number().nullable(),
  latencyMs: z.number().nullable(),
  error: z.string().nullable(),
  replay: z.boolean(),
});
export type ForwardAttempt = z.infer<typeof forwardAttemptSchema>;

export const forwardStateSchema = z.enum(['none', 'pending', 'delivered', 'failed']);

export const eventSummarySchema = z.object({
  id: z.number().int(),
  receivedAt: z.string(),
  signature: signatureResultSchema,
  bodySize: z.number().int(),
  /** Id of the earlier identical delivery, when this one is a duplicate. */
  duplicateOf: z.number().int().nullable(),
  duplicates: z.number().int(),
  records: z.array(eventRecordSchema),
  forward: forwardStateSchema,
  queued: z.enum(['none', 'pending', 'queued']),
  source: z.enum(['webhook', 'trigger', 'replay']),
});
export type EventSummary = z.infer<typeof eventSummarySchema>;

export const eventDetailSchema = eventSummarySchema.extend({
  headers: z.record(z.string(), z.string()),
  /** The raw body as received, UTF-8 decoded. */
  body: z.string(),
  attempts: z.array(forwardAttemptSchema),
  streamId: z.string().nullable(),
});
export type EventDetail = z.infer<typeof eventDetailSchema>;

export const eventsListInputSchema = z
  .object({
    kind: eventKindSchema.optional(),
    /** wa_id, user_id or phone_number_id */
    party: z.string().max(64).optional(),
    messageId: z.string().max(256).optional(),
    status: z.string().max(32).optional(),
    text: z.string().max(256).optional(),
    since: z.string().max(64).optional(),
    beforeId: z.number().int().optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type EventsListInput = z.infer<typeof eventsListInputSchema>;

export const triggerKindSchema = z.enum([
  'text',
  'text-non-ascii',
  'image',
  'button-reply',
  'list-reply',
  'reaction',
  'location',
  'status-sent',
  'status-delivered',
  'status-read',
  'status-failed',
  'system-error',
  'template-status',
]);
export type TriggerKind = z.infer<typeof triggerKindSchema>;

export const eventsStatsSchema = z.object({
  total: z.number().int(),
  duplicates: z.number().int(),
  queueBacklog: z.number().int(),
  forwardBacklog: z.number().int(),
  perMinute: z.array(z.object({ minute: z.string(), count: z.number().int() })),
});
export type EventsStats = z.infer<typeof eventsStatsSchema>;
