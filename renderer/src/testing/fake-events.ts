/**
 * Synthetic events for the fake host (tests, dev harness, renderer benchmark): summaries and details shaped like the
 * webhook service's, for every trigger kind, with message ids that let statuses link to sends.
 */
import {
  blankRecord,
  triggerKindSchema,
  type EventDetail,
  type EventRecord,
  type EventSummary,
  type TriggerKind,
} from '../../../shared/domain/events';
import type { LogFile, LogLevelName, LogLine } from '../../../shared/domain/logs';

const PHONE_ID = '106540352242922';
const WABA_ID = '102290129340398';

function record(partial: Partial<EventRecord> & Pick<EventRecord, 'kind'>): EventRecord {
  return blankRecord(partial.kind, 'messages', { wabaId: WABA_ID, phoneNumberId: PHONE_ID, ...partial });
}

export function wamid(n: number): string {
  return `wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBI${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

const TEXTS = [
  'Hola, ¿tienen disponibilidad mañana?',
  'Gracias 🙌',
  'Need the invoice for order 1042',
  'Sí, confirmo',
];

export function recordsFor(kind: TriggerKind, n: number, at: Date, messageNumber = n): EventRecord[] {
  const ts = String(Math.floor(at.getTime() / 1000));
  const from =
    n % 7 === 0 ? `US.${(1000000 + n).toString(36)}` : `34600${String(100000 + (n % 900000)).slice(-6)}`;
  const fromType = from.startsWith('US.') ? 'user_id' : 'wa_id';
  const base = { from, fromType, timestamp: ts, messageId: wamid(messageNumber) } as const;
  switch (kind) {
    case 'text':
    case 'text-non-ascii':
      return [
        record({
          kind: 'message',
          ...base,
          messageType: 'text',
          text: kind === 'text' ? TEXTS[n % TEXTS.length]! : 'Añadir ñandú 😀',
        }),
      ];
    case 'image':
      return [record({ kind: 'message', ...base, messageType: 'image', text: 'photo caption' })];
    case 'button-reply':
      return [record({ kind: 'message', ...base, messageType: 'interactive', text: 'Confirmar' })];
    case 'list-reply':
      return [record({ kind: 'message', ...base, messageType: 'interactive', text: 'Opción 2' })];
    case 'reaction':
      return [record({ kind: 'message', ...base, messageType: 'reaction', text: '👍' })];
    case 'location':
      return [record({ kind: 'message', ...base, messageType: 'location', text: 'Madrid' })];
    case 'status-sent':
    case 'status-delivered':
    case 'status-read':
      return [
        record({
          kind: 'status',
          messageId: wamid(messageNumber),
          recipient: from,
          status: kind.slice('status-'.length),
          timestamp: ts,
        }),
      ];
    case 'status-failed':
      return [
        record({
          kind: 'status',
          messageId: wamid(messageNumber),
          recipient: from,
          status: 'failed',
          timestamp: ts,
          errorCodes: [131047],
          errorTitles: ['Re-engagement message'],
        }),
      ];
    case 'system-error':
      return [
        record({ kind: 'error', errorCodes: [131000], errorTitles: ['Something went wrong'], timestamp: ts }),
      ];
    case 'template-status':
      return [
        record({
          kind: 'template',
          field: 'message_template_status_update',
          status: 'APPROVED',
          phoneNumberId: null,
          text: 'order_update',
        }),
      ];
  }
}

/** Every trigger kind, in the contract's order (the contract is the one list). */
export const ALL_KINDS: readonly TriggerKind[] = triggerKindSchema.options;

export function makeSummary(
  id: number,
  kind: TriggerKind,
  opts: { at?: Date; source?: EventSummary['source']; messageNumber?: number } = {},
): EventSummary {
  const at = opts.at ?? new Date();
  return {
    id,
    receivedAt: at.toISOString(),
    signature: id % 97 === 0 ? 'invalid' : 'valid',
    bodySize: 600 + (id % 400),
    duplicateOf: null,
    duplicates: 0,
    records: recordsFor(kind, id, at, opts.messageNumber ?? id),
    forward: 'none',
    queued: 'none',
    source: opts.source ?? 'webhook',
  };
}

/** A Meta-shaped body for a summary (enough to read, pretty-print and edit). */
export function makeBody(s: EventSummary): string {
  const changes = s.records.map((r) => ({
    field: r.field,
    value:
      r.kind === 'status'
        ? {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550001111', phone_number_id: r.phoneNumberId },
            statuses: [
              {
                id: r.messageId,
                status: r.status,
                timestamp: r.timestamp,
                recipient_id: r.recipient,
                ...(r.errorCodes.length
                  ? { errors: [{ code: r.errorCodes[0], title: r.errorTitles[0] }] }
                  : {}),
              },
            ],
          }
        : {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550001111', phone_number_id: r.phoneNumberId },
            contacts: r.from
              ? [{ profile: { name: 'Cliente' }, [r.fromType === 'user_id' ? 'user_id' : 'wa_id']: r.from }]
              : [],
            messages: r.messageId
              ? [
                  {
                    from: r.from,
                    id: r.messageId,
                    timestamp: r.timestamp,
                    type: r.messageType,
                    text: { body: r.text },
                  },
                ]
              : [],
          },
  }));
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA_ID, changes }] });
}

export function makeDetail(s: EventSummary): EventDetail {
  return {
    ...s,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      'x-hub-signature-256': 'sha256=4f1c…',
    },
    body: makeBody(s),
    attempts: [],
    streamId: null,
  };
}

const LOG_MODULES: Record<LogFile, string[]> = {
  whatsapp: ['host', 'listener', 'store', 'forward'],
  ngrok: ['tunnel', 'sdk'],
  webhook: ['register', 'meta'],
};
const LOG_MSGS = [
  'POST /webhook accepted',
  'event stored',
  'forwarded event to http://127.0.0.1:3000/webhook',
  'tunnel session connected',
  'registration check: callback matches',
  'redis outbox flushed',
];
const LEVEL_CYCLE: LogLevelName[] = ['INFO', 'INFO', 'DEBUG', 'INFO', 'WARNING', 'INFO', 'ERROR', 'INFO'];

export function makeLogLine(n: number, file?: LogFile, at = new Date()): LogLine {
  const f: LogFile = file ?? (['whatsapp', 'ngrok', 'webhook'] as const)[n % 3]!;
  const level = LEVEL_CYCLE[n % LEVEL_CYCLE.length]!;
  const module = LOG_MODULES[f][n % LOG_MODULES[f].length]!;
  const msg = `${LOG_MSGS[n % LOG_MSGS.length]} (#${n})`;
  const time = at.toISOString();
  return { file: f, time, level, module, msg, raw: JSON.stringify({ time, level, module, msg }) };
}
