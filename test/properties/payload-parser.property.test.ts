/**
 * Properties of the payload parser: any JSON value, any bytes, and Meta-shaped envelopes whose fields are randomly
 * right, wrong-typed or missing, are normalised without throwing into at least one record, every record valid
 * against the shared schema (and nothing more), with one record per message, status and error when the envelope is
 * well formed. Unknown fields and message types are kept, never rejected.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventRecordSchema, type EventRecord } from '../../shared/domain/events';
import { normaliseBody, normalisePayload } from '../../electron/services/webhook/parser';
import { anyJson, RUNS } from './support';

const RECORD_KEYS = Object.keys(eventRecordSchema.shape).sort();

function expectValidRecords(records: EventRecord[]) {
  expect(Array.isArray(records)).toBe(true);
  expect(records.length).toBeGreaterThanOrEqual(1);
  for (const r of records) {
    const parsed = eventRecordSchema.safeParse(r);
    expect(parsed.success, JSON.stringify(r)).toBe(true);
    expect(Object.keys(r).sort()).toEqual(RECORD_KEYS);
    // Survives the JSON round trip to the store and the UI unchanged (no NaN, no undefined, no functions).
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  }
}

/** A value that is sometimes the right type for a Meta field and sometimes anything at all. */
const maybe = <T>(right: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: right },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const idArb = fc.oneof(fc.stringMatching(/^\d{5,16}$/), fc.string({ maxLength: 30 }));
const textArb = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ minLength: 600, maxLength: 700 }),
);
const typeArb = fc.oneof(
  fc.constantFrom(
    'text',
    'image',
    'video',
    'audio',
    'document',
    'sticker',
    'interactive',
    'button',
    'reaction',
    'location',
    'contacts',
    'order',
    'system',
    'unsupported',
    'request_welcome',
  ),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString'),
);
const errorsArb = maybe(
  fc.array(
    fc.record({
      code: maybe(fc.integer()),
      title: maybe(textArb),
      message: maybe(textArb),
      error_data: maybe(fc.record({ details: maybe(textArb) })),
    }),
    { maxLength: 3 },
  ),
);

const messageArb = fc.record(
  {
    from: maybe(idArb),
    from_user_id: maybe(idArb),
    id: maybe(fc.string({ maxLength: 60 })),
    timestamp: maybe(fc.oneof(fc.integer({ min: 0 }).map(String), fc.integer())),
    type: maybe(typeArb),
    text: maybe(fc.record({ body: maybe(textArb) })),
    image: maybe(fc.record({ caption: maybe(textArb), mime_type: maybe(fc.string()), id: maybe(idArb) })),
    interactive: maybe(
      fc.record({
        type: maybe(fc.constantFrom('button_reply', 'list_reply', 'nfm_reply', 'x')),
        button_reply: maybe(fc.record({ id: maybe(idArb), title: maybe(textArb) })),
        list_reply: maybe(
          fc.record({ id: maybe(idArb), title: maybe(textArb), description: maybe(textArb) }),
        ),
      }),
    ),
    reaction: maybe(fc.record({ emoji: maybe(textArb), message_id: maybe(idArb) })),
    location: maybe(
      fc.record({
        latitude: maybe(fc.double()),
        longitude: maybe(fc.oneof(fc.double(), fc.string())),
        name: maybe(textArb),
      }),
    ),
    contacts: maybe(
      fc.array(fc.record({ name: maybe(fc.record({ formatted_name: maybe(textArb) })) }), { maxLength: 2 }),
    ),
    order: maybe(
      fc.record({ product_items: maybe(fc.array(anyJson, { maxLength: 3 })), text: maybe(textArb) }),
    ),
    errors: errorsArb,
  },
  { requiredKeys: [] },
);

const statusArb = fc.record(
  {
    id: maybe(fc.string({ maxLength: 60 })),
    status: maybe(fc.constantFrom('sent', 'delivered', 'read', 'failed', 'played', 'deleted')),
    recipient_id: maybe(idArb),
    recipient_user_id: maybe(idArb),
    timestamp: maybe(fc.integer({ min: 0 }).map(String)),
    pricing: maybe(fc.record({ category: maybe(fc.string({ maxLength: 20 })) })),
    errors: errorsArb,
  },
  { requiredKeys: [] },
);

const FIELDS = [
  'messages',
  'message_template_status_update',
  'message_template_quality_update',
  'template_category_update',
  'account_update',
  'account_alerts',
  'phone_number_quality_update',
  'security',
  'flows',
  'user_preferences',
];

const changeArb = fc.record({
  field: maybe(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 20 }))),
  value: maybe(
    fc.record(
      {
        messaging_product: maybe(fc.constant('whatsapp')),
        metadata: maybe(fc.record({ display_phone_number: maybe(idArb), phone_number_id: maybe(idArb) })),
        contacts: maybe(
          fc.array(
            fc.record({
              wa_id: maybe(idArb),
              user_id: maybe(idArb),
              profile: maybe(fc.record({ name: maybe(textArb) })),
            }),
            { maxLength: 2 },
          ),
        ),
        messages: maybe(fc.array(messageArb, { maxLength: 3 })),
        statuses: maybe(fc.array(statusArb, { maxLength: 3 })),
        errors: errorsArb,
        event: maybe(fc.string({ maxLength: 20 })),
        message_template_name: maybe(textArb),
        message_template_language: maybe(fc.string({ maxLength: 8 })),
        reason: maybe(fc.string({ maxLength: 40 })),
        new_quality_score: maybe(fc.constantFrom('GREEN', 'YELLOW', 'RED')),
        decision: maybe(fc.string({ maxLength: 20 })),
        ban_info: maybe(fc.record({ waba_ban_state: maybe(fc.string({ maxLength: 20 })) })),
      },
      { requiredKeys: [] },
    ),
  ),
});

const envelopeArb = fc.record({
  object: maybe(fc.constantFrom('whatsapp_business_account', 'page', '')),
  entry: maybe(
    fc.array(
      fc.record({
        id: maybe(idArb),
        time: maybe(fc.integer()),
        changes: maybe(fc.array(changeArb, { maxLength: 3 })),
      }),
      { maxLength: 3 },
    ),
  ),
});

describe('payload parser: total over any input', () => {
  it('any JSON value gives schema-valid records and never throws', () => {
    fc.assert(
      fc.property(anyJson, (value) => expectValidRecords(normalisePayload(value))),
      { numRuns: RUNS * 2 },
    );
  });

  it('any bytes (valid UTF-8 or not) give schema-valid records and never throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 500 }),
          fc.string({ maxLength: 300 }),
          anyJson.map((v) => JSON.stringify(v).slice(0, -1)), // truncated JSON
        ),
        (bytes) => expectValidRecords(normaliseBody(bytes)),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('Meta-shaped envelopes with random, wrong-typed or missing fields give schema-valid records', () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        // Through the bytes path too, as the listener stores and parses them.
        const text = JSON.stringify(envelope);
        expectValidRecords(normalisePayload(JSON.parse(text)));
        expect(normaliseBody(Buffer.from(text))).toEqual(normalisePayload(JSON.parse(text)));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a well-formed messages change yields one record per message, status and error; unknown types are kept', () => {
    const wellFormed = fc.record({
      messages: fc.array(
        fc.record({
          from: fc.stringMatching(/^\d{8,15}$/),
          id: fc.string({ minLength: 1, maxLength: 40 }),
          timestamp: fc.constant('1700000000'),
          type: typeArb.filter((t) => t !== '__proto__'),
        }),
        { maxLength: 4 },
      ),
      statuses: fc.array(
        fc.record({
          id: fc.string({ minLength: 1 }),
          status: fc.constantFrom('sent', 'delivered', 'read', 'failed'),
          recipient_id: fc.stringMatching(/^\d{8,15}$/),
        }),
        { maxLength: 4 },
      ),
      errors: fc.array(
        fc.record({
          code: fc.integer({ min: 1, max: 200000 }),
          title: fc.string({ minLength: 1, maxLength: 40 }),
        }),
        { maxLength: 2 },
      ),
    });
    fc.assert(
      fc.property(idArb, wellFormed, (phoneNumberId, value) => {
        const payload = {
          object: 'whatsapp_business_account',
          entry: [
            {
              id: '102290129340398',
              changes: [
                { field: 'messages', value: { metadata: { phone_number_id: phoneNumberId }, ...value } },
              ],
            },
          ],
        };
        const records = normalisePayload(JSON.parse(JSON.stringify(payload)));
        expectValidRecords(records);
        const n = value.messages.length + value.statuses.length + value.errors.length;
        expect(records.length).toBe(Math.max(1, n));
        const messages = records.filter((r) => r.kind === 'message');
        expect(messages.map((r) => r.messageType)).toEqual(value.messages.map((m) => m.type));
        expect(messages.map((r) => r.messageId)).toEqual(value.messages.map((m) => m.id));
        expect(records.filter((r) => r.kind === 'status').map((r) => r.status)).toEqual(
          value.statuses.map((s) => s.status),
        );
        expect(records.filter((r) => r.kind === 'error').flatMap((r) => r.errorCodes)).toEqual(
          value.errors.map((e) => e.code),
        );
        for (const r of records) expect(r.wabaId).toBe('102290129340398');
      }),
      { numRuns: RUNS },
    );
  });
});
