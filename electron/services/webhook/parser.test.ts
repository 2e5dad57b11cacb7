import { describe, expect, it } from 'vitest';
import { eventRecordSchema, triggerKindSchema } from '../../../shared/domain/events';
import {
  envelope,
  inbound,
  messagesValue,
  payloadContext,
  statusValue,
  triggerBody,
  triggerPayload,
} from './meta-payloads';
import { escapeNonAscii, metaStringify } from './meta-json';
import { normaliseBody, normalisePayload } from './parser';

const ctx = payloadContext({
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  now: 1_764_000_000_000,
});

function one(type: string, part: Record<string, unknown>, extra: object = {}) {
  const records = normalisePayload(
    envelope(ctx, [{ field: 'messages', value: messagesValue(ctx, [inbound(ctx, type, part, extra)]) }]),
  );
  expect(records).toHaveLength(1);
  return records[0]!;
}

describe('normalisePayload: messages', () => {
  it('every trigger kind gives schema-valid records with the configured ids', () => {
    for (const kind of triggerKindSchema.options) {
      const records = normalisePayload(triggerPayload(kind, ctx));
      expect(records.length, kind).toBeGreaterThan(0);
      for (const r of records) {
        expect(() => eventRecordSchema.parse(r)).not.toThrow();
        expect(r.wabaId).toBe('102290129340398');
      }
    }
  });

  it('text: sender wa_id, message id, body, timestamp, phone_number_id', () => {
    const r = one('text', { text: { body: 'hola' } });
    expect(r).toMatchObject({
      kind: 'message',
      field: 'messages',
      phoneNumberId: '106540352242922',
      from: '16315551181',
      fromType: 'wa_id',
      messageType: 'text',
      text: 'hola',
      timestamp: '1764000000',
    });
    expect(r.messageId).toMatch(/^wamid\./);
  });

  it('media types keep caption, filename or mime type', () => {
    const media = { mime_type: 'video/mp4', sha256: 'x', id: '1' };
    expect(one('image', { image: { ...media, caption: 'recibo' } }).text).toBe('recibo');
    expect(one('video', { video: media }).text).toBe('video/mp4');
    expect(
      one('audio', { audio: { ...media, mime_type: 'audio/ogg; codecs=opus', voice: true } }).messageType,
    ).toBe('audio');
    expect(one('document', { document: { ...media, filename: 'factura.pdf' } }).text).toBe('factura.pdf');
    expect(
      one('sticker', { sticker: { ...media, mime_type: 'image/webp', animated: false } }).messageType,
    ).toBe('sticker');
  });

  it('interactive button and list replies, quick-reply button, reaction, location', () => {
    const button = normalisePayload(triggerPayload('button-reply', ctx))[0]!;
    expect(button).toMatchObject({ messageType: 'interactive', text: 'Sí, confirmar' });
    const list = normalisePayload(triggerPayload('list-reply', ctx))[0]!;
    expect(list).toMatchObject({ messageType: 'interactive', text: 'Envío estándar' });
    expect(one('button', { button: { payload: 'STOP', text: 'Parar promociones' } }).text).toBe(
      'Parar promociones',
    );
    const reaction = normalisePayload(triggerPayload('reaction', ctx))[0]!;
    expect(reaction).toMatchObject({ messageType: 'reaction', text: '👍' });
    expect(one('location', { location: { latitude: 1.5, longitude: -2.25 } }).text).toBe('1.5,-2.25');
    expect(normalisePayload(triggerPayload('location', ctx))[0]!.text).toContain('Oficina KREO');
  });

  it('contacts, order, system and unsupported (with its 131051 error)', () => {
    const contacts = one('contacts', {
      contacts: [{ name: { formatted_name: 'Ana Pérez', first_name: 'Ana' }, phones: [{ phone: '+1 555' }] }],
    });
    expect(contacts.text).toBe('Ana Pérez');
    const order = one('order', {
      order: {
        catalog_id: '1',
        text: 'para el lunes',
        product_items: [
          { product_retailer_id: 'a', quantity: 1, item_price: 10, currency: 'USD' },
          { product_retailer_id: 'b', quantity: 2, item_price: 5, currency: 'USD' },
        ],
      },
    });
    expect(order.text).toBe('2 items: para el lunes');
    const system = one('system', {
      system: { body: 'Kerry changed from 1 to 2', wa_id: '16315550000', type: 'user_changed_number' },
    });
    expect(system).toMatchObject({ messageType: 'system', text: 'Kerry changed from 1 to 2' });
    const unsupported = one('unsupported', {
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          error_data: { details: 'Message type is currently not supported.' },
        },
      ],
    });
    expect(unsupported).toMatchObject({
      kind: 'message',
      messageType: 'unsupported',
      errorCodes: [131051],
      errorTitles: ['Message type unknown'],
    });
  });

  it('an unknown message type is kept under its own name', () => {
    const r = one('hologram', { hologram: { body: 'future' } });
    expect(r).toMatchObject({ kind: 'message', messageType: 'hologram', text: 'future' });
  });

  it('a contact without wa_id: the business-scoped user_id is the sender, no phone assumed', () => {
    const contact = { profile: { name: 'Kerry' }, user_id: 'US.13491208655302741918' };
    const noFrom = { id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'hi' } };
    const records = normalisePayload(
      envelope(ctx, [{ field: 'messages', value: messagesValue(ctx, [noFrom], contact) }]),
    );
    expect(records[0]).toMatchObject({ from: 'US.13491208655302741918', fromType: 'user_id' });

    const withFromUserId = { ...noFrom, from_user_id: 'US.999' };
    expect(
      normalisePayload(
        envelope(ctx, [{ field: 'messages', value: messagesValue(ctx, [withFromUserId], contact) }]),
      )[0],
    ).toMatchObject({ from: 'US.999', fromType: 'user_id' });

    const fromIsUserId = { ...noFrom, from: 'US.13491208655302741918' };
    expect(
      normalisePayload(
        envelope(ctx, [{ field: 'messages', value: messagesValue(ctx, [fromIsUserId], contact) }]),
      )[0],
    ).toMatchObject({ fromType: 'user_id' });
  });
});

describe('normalisePayload: statuses, errors, other fields', () => {
  it('statuses sent / delivered / read / played, and failed with its error', () => {
    for (const s of ['sent', 'delivered', 'read', 'played']) {
      const r = normalisePayload(envelope(ctx, [{ field: 'messages', value: statusValue(ctx, s) }]))[0]!;
      expect(r).toMatchObject({ kind: 'status', status: s, recipient: '16315551181', from: null });
      expect(r.messageId).toMatch(/^wamid\./);
    }
    const failed = normalisePayload(triggerPayload('status-failed', ctx))[0]!;
    expect(failed).toMatchObject({
      status: 'failed',
      errorCodes: [131026],
      errorTitles: ['Message undeliverable'],
    });
  });

  it('a status without pricing or conversation, to a user_id recipient', () => {
    const value = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '1', phone_number_id: '2' },
      statuses: [{ id: 'wamid.Y', status: 'read', timestamp: '5', recipient_user_id: 'US.42' }],
    };
    expect(normalisePayload(envelope(ctx, [{ field: 'messages', value }]))[0]).toMatchObject({
      status: 'read',
      recipient: 'US.42',
      messageType: null,
    });
  });

  it('system-level errors[] become kind error', () => {
    const r = normalisePayload(triggerPayload('system-error', ctx))[0]!;
    expect(r).toMatchObject({
      kind: 'error',
      errorCodes: [130429],
      errorTitles: ['Rate limit hit'],
      text: 'Cloud API message throughput has been reached.',
    });
  });

  it('template status, quality and category updates', () => {
    expect(normalisePayload(triggerPayload('template-status', ctx))[0]).toMatchObject({
      kind: 'template',
      field: 'message_template_status_update',
      status: 'APPROVED',
      text: 'confirmacion_pedido [es]',
      errorTitles: [],
    });
    const rejected = envelope(ctx, [
      {
        field: 'message_template_status_update',
        value: {
          event: 'REJECTED',
          message_template_id: 1,
          message_template_name: 'x',
          reason: 'INVALID_FORMAT',
        },
      },
    ]);
    expect(normalisePayload(rejected)[0]).toMatchObject({
      status: 'REJECTED',
      errorTitles: ['INVALID_FORMAT'],
    });
    const quality = envelope(ctx, [
      {
        field: 'message_template_quality_update',
        value: {
          previous_quality_score: 'GREEN',
          new_quality_score: 'YELLOW',
          message_template_id: 1,
          message_template_name: 'promo',
          message_template_language: 'es_MX',
        },
      },
    ]);
    expect(normalisePayload(quality)[0]).toMatchObject({ kind: 'template', status: 'YELLOW' });
    const category = envelope(ctx, [
      {
        field: 'template_category_update',
        value: { message_template_id: 1, previous_category: 'UTILITY', new_category: 'MARKETING' },
      },
    ]);
    expect(normalisePayload(category)[0]).toMatchObject({ kind: 'template', status: 'MARKETING' });
  });

  it('account and phone-number quality updates', () => {
    const quality = envelope(ctx, [
      {
        field: 'phone_number_quality_update',
        value: { display_phone_number: '16505551111', event: 'FLAGGED', current_limit: 'TIER_1K' },
      },
    ]);
    expect(normalisePayload(quality)[0]).toMatchObject({
      kind: 'account',
      status: 'FLAGGED',
      text: '16505551111',
    });
    const account = envelope(ctx, [
      {
        field: 'account_update',
        value: {
          phone_number: '16505551111',
          event: 'ACCOUNT_VIOLATION',
          violation_info: { violation_type: 'SCAM' },
        },
      },
    ]);
    expect(normalisePayload(account)[0]).toMatchObject({
      kind: 'account',
      status: 'ACCOUNT_VIOLATION',
      errorTitles: ['SCAM'],
    });
  });

  it('unknown fields are kept as kind other, never rejected', () => {
    const r = normalisePayload(
      envelope(ctx, [{ field: 'brand_new_field_2027', value: { anything: [1, 2] } }]),
    );
    expect(r).toEqual([
      expect.objectContaining({ kind: 'other', field: 'brand_new_field_2027', wabaId: ctx.wabaId }),
    ]);
  });

  it('a batched payload: several entries, changes, messages and statuses', () => {
    const batch = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: messagesValue(ctx, [
                inbound(ctx, 'text', { text: { body: 'a' } }),
                inbound(ctx, 'text', { text: { body: 'b' } }),
              ]),
            },
            { field: 'messages', value: statusValue(ctx, 'delivered') },
          ],
        },
        {
          id: '2',
          changes: [{ field: 'account_alerts', value: { alert_status: 'ACTIVE', alert_type: 'X' } }],
        },
      ],
    };
    const records = normalisePayload(batch);
    expect(records.map((r) => [r.kind, r.wabaId, r.text ?? r.status])).toEqual([
      ['message', '1', 'a'],
      ['message', '1', 'b'],
      ['status', '1', 'delivered'],
      ['account', '2', 'ACTIVE'],
    ]);
  });

  it('valid JSON that is not Meta’s envelope, and garbage bytes, still give one other record', () => {
    expect(normalisePayload([1, 2, 3])).toEqual([expect.objectContaining({ kind: 'other', field: '' })]);
    expect(normalisePayload({ object: 'page', entry: 'nope' })).toEqual([
      expect.objectContaining({ kind: 'other', field: 'page' }),
    ]);
    expect(normalisePayload(null)).toHaveLength(1);
    expect(normaliseBody('{not json')).toEqual([expect.objectContaining({ kind: 'other' })]);
    expect(
      normalisePayload({ entry: [null, 3, { id: 9, changes: [null, { field: 'messages', value: null }] }] }),
    ).toEqual([
      expect.objectContaining({ kind: 'other', wabaId: '9' }),
      expect.objectContaining({ kind: 'other', field: 'messages', wabaId: '9' }),
    ]);
  });
});

describe('Meta-style JSON', () => {
  it('escapes non-ASCII as lowercase \\uXXXX (emoji as surrogate pairs) and / as \\/', () => {
    expect(metaStringify({ t: 'ñ😀/é' })).toBe('{"t":"\\u00f1\\ud83d\\ude00\\/\\u00e9"}');
    expect(escapeNonAscii('{"a":"ü"}')).toBe('{"a":"\\u00fc"}');
  });

  it('the non-ASCII trigger body is pure ASCII and parses back to the original text', () => {
    const body = triggerBody('text-non-ascii', ctx);
    expect(/^[\x20-\x7e]*$/.test(body)).toBe(true);
    expect(body).toMatch(/\\u00a1Hola/);
    const records = normaliseBody(body);
    expect(records[0]!.text).toBe('¡Hola! ¿Cómo está mi pedido nº 42? Gracias 🙏 — ✓ 日本');
  });
});
