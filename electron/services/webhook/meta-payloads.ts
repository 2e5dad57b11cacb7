/**
 * Realistic webhook bodies in the shapes of Meta's reference (whatsapp/webhooks/reference/messages and the other
 * fields): used by `kreo trigger KIND` and by the tests. Ids are filled from settings or Meta's dummy test ids.
 */
import { randomBytes } from 'node:crypto';
import type { TriggerKind } from '../../../shared/domain/events';
import { metaStringify } from './meta-json';

/** What the App Dashboard "Test" button uses when nothing is configured. */
export const META_TEST_IDS = {
  wabaId: '0',
  phoneNumberId: '123456123',
  displayPhoneNumber: '16505551111',
} as const;

export interface PayloadContext {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  /** Epoch milliseconds. */
  now: number;
  /** The customer: a phone-form wa_id. */
  customerWaId: string;
  customerName: string;
}

export function payloadContext(
  opts: { wabaId?: string; phoneNumberId?: string; now?: number } = {},
): PayloadContext {
  return {
    wabaId: opts.wabaId || META_TEST_IDS.wabaId,
    phoneNumberId: opts.phoneNumberId || META_TEST_IDS.phoneNumberId,
    displayPhoneNumber: META_TEST_IDS.displayPhoneNumber,
    now: opts.now ?? Date.now(),
    customerWaId: '16315551181',
    customerName: 'Kerry Fisher',
  };
}

/** A message id in Meta's form: `wamid.` + base64. */
export function wamid(): string {
  return `wamid.${randomBytes(30).toString('base64')}`;
}

function mediaId(): string {
  return String(1_000_000_000_000_000n + BigInt(randomBytes(6).readUIntBE(0, 6)));
}

function seconds(ctx: PayloadContext): string {
  return String(Math.floor(ctx.now / 1000));
}

/** `{object, entry:[{id, changes:[{field, value}]}]}` */
export function envelope(
  ctx: PayloadContext,
  changes: { field: string; value: unknown }[],
  withTime = false,
): object {
  const entry: Record<string, unknown> = { id: ctx.wabaId };
  if (withTime) entry.time = Math.floor(ctx.now / 1000);
  entry.changes = changes;
  return { object: 'whatsapp_business_account', entry: [entry] };
}

function metadata(ctx: PayloadContext): object {
  return { display_phone_number: ctx.displayPhoneNumber, phone_number_id: ctx.phoneNumberId };
}

/** The `value` of a `messages` change carrying inbound messages from one contact. */
export function messagesValue(
  ctx: PayloadContext,
  messages: object[],
  contact: object = { profile: { name: ctx.customerName }, wa_id: ctx.customerWaId },
): object {
  return { messaging_product: 'whatsapp', metadata: metadata(ctx), contacts: [contact], messages };
}

export function inbound(
  ctx: PayloadContext,
  type: string,
  part: Record<string, unknown>,
  extra: object = {},
): object {
  return { from: ctx.customerWaId, id: wamid(), timestamp: seconds(ctx), type, ...extra, ...part };
}

/** The `value` of a `messages` change carrying one status. */
export function statusValue(ctx: PayloadContext, status: string, extra: object = {}): object {
  const base: Record<string, unknown> = {
    id: wamid(),
    status,
    timestamp: seconds(ctx),
    recipient_id: ctx.customerWaId,
  };
  if (status === 'sent' || status === 'delivered') {
    base.conversation = {
      id: randomBytes(16).toString('hex'),
      expiration_timestamp: String(Math.floor(ctx.now / 1000) + 86_400),
      origin: { type: 'service' },
    };
    base.pricing = { billable: true, pricing_model: 'PMP', category: 'service', type: 'regular' };
  }
  return { messaging_product: 'whatsapp', metadata: metadata(ctx), statuses: [{ ...base, ...extra }] };
}

/** Every TriggerKind → its payload object. */
export function triggerPayload(kind: TriggerKind, ctx: PayloadContext): object {
  const msg = (type: string, part: Record<string, unknown>, extra: object = {}) =>
    envelope(ctx, [{ field: 'messages', value: messagesValue(ctx, [inbound(ctx, type, part, extra)]) }]);
  const reply = { context: { from: ctx.displayPhoneNumber, id: wamid() } };
  const status = (s: string, extra: object = {}) =>
    envelope(ctx, [{ field: 'messages', value: statusValue(ctx, s, extra) }]);

  switch (kind) {
    case 'text':
      return msg('text', { text: { body: 'Hello, I would like to know the status of my order 42.' } });
    case 'text-non-ascii':
      return msg('text', { text: { body: '¡Hola! ¿Cómo está mi pedido nº 42? Gracias 🙏 — ✓ 日本' } });
    case 'image':
      return msg('image', {
        image: {
          caption: 'Foto del recibo',
          mime_type: 'image/jpeg',
          sha256: randomBytes(32).toString('base64'),
          id: mediaId(),
        },
      });
    case 'button-reply':
      return msg(
        'interactive',
        {
          interactive: { type: 'button_reply', button_reply: { id: 'confirm_yes', title: 'Sí, confirmar' } },
        },
        reply,
      );
    case 'list-reply':
      return msg(
        'interactive',
        {
          interactive: {
            type: 'list_reply',
            list_reply: {
              id: 'shipping_standard',
              title: 'Envío estándar',
              description: '3 a 5 días hábiles',
            },
          },
        },
        reply,
      );
    case 'reaction':
      return msg('reaction', { reaction: { message_id: wamid(), emoji: '👍' } });
    case 'location':
      return msg('location', {
        location: {
          latitude: 19.4326077,
          longitude: -99.133208,
          name: 'Oficina KREO',
          address: 'Av. Juárez 12, Ciudad de México',
          url: 'https://example.com/kreo',
        },
      });
    case 'status-sent':
      return status('sent');
    case 'status-delivered':
      return status('delivered');
    case 'status-read':
      return status('read');
    case 'status-failed':
      return status('failed', {
        errors: [
          {
            code: 131026,
            title: 'Message undeliverable',
            message: 'Message undeliverable',
            error_data: { details: 'Message Undeliverable.' },
          },
        ],
      });
    case 'system-error':
      return envelope(ctx, [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: metadata(ctx),
            errors: [
              {
                code: 130429,
                title: 'Rate limit hit',
                message: '(#130429) Rate limit hit',
                error_data: { details: 'Cloud API message throughput has been reached.' },
              },
            ],
          },
        },
      ]);
    case 'template-status':
      return envelope(
        ctx,
        [
          {
            field: 'message_template_status_update',
            value: {
              event: 'APPROVED',
              message_template_id: 594425479261596,
              message_template_name: 'confirmacion_pedido',
              message_template_language: 'es',
              reason: 'NONE',
            },
          },
        ],
        true,
      );
  }
}

/** The exact bytes Meta would send for a trigger kind. */
export function triggerBody(kind: TriggerKind, ctx: PayloadContext): string {
  return metaStringify(triggerPayload(kind, ctx));
}
