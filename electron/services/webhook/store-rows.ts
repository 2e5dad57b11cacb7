/** Row shapes of the event store and their mapping to the contract's EventSummary / EventRecord / ForwardAttempt. */
import type {
  EventRecord,
  EventSummary,
  ForwardAttempt,
  SignatureResult,
} from '../../../shared/domain/events';

export type DeliverySource = EventSummary['source'];
export type QueueState = EventSummary['queued'];
export type ForwardState = EventSummary['forward'];
export type OutboxTarget = 'redis' | 'forward';

export interface DeliveryRow {
  id: number;
  received_at: number;
  source: string;
  signature: string;
  content_type: string;
  body_size: number;
  duplicate_of: number | null;
  duplicates: number;
  queued: string;
  stream_id: string | null;
  forward: string;
  parsed: number;
}

export interface RecordRow {
  delivery_id: number;
  idx: number;
  kind: string;
  field: string;
  waba_id: string | null;
  phone_number_id: string | null;
  message_id: string | null;
  sender: string | null;
  sender_type: string | null;
  recipient: string | null;
  message_type: string | null;
  status: string | null;
  error_codes: string;
  error_titles: string;
  ts: string | null;
  text: string | null;
}

export interface AttemptRow {
  id: number;
  delivery_id: number;
  at: number;
  target: string;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  replay: number;
}

export interface OutboxRow {
  id: number;
  delivery_id: number;
  target: OutboxTarget;
  created_at: number;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

export const DELIVERY_COLUMNS =
  'id, received_at, source, signature, content_type, body_size, duplicate_of, duplicates, queued, stream_id, forward, parsed';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function recordToRow(deliveryId: number, idx: number, r: EventRecord): RecordRow {
  return {
    delivery_id: deliveryId,
    idx,
    kind: r.kind,
    field: r.field,
    waba_id: r.wabaId,
    phone_number_id: r.phoneNumberId,
    message_id: r.messageId,
    sender: r.from,
    sender_type: r.fromType,
    recipient: r.recipient,
    message_type: r.messageType,
    status: r.status,
    error_codes: JSON.stringify(r.errorCodes),
    error_titles: JSON.stringify(r.errorTitles),
    ts: r.timestamp,
    text: r.text,
  };
}

export function rowToRecord(row: RecordRow): EventRecord {
  return {
    kind: row.kind as EventRecord['kind'],
    field: row.field,
    wabaId: row.waba_id,
    phoneNumberId: row.phone_number_id,
    messageId: row.message_id,
    from: row.sender,
    fromType: (row.sender_type as EventRecord['fromType']) ?? null,
    recipient: row.recipient,
    messageType: row.message_type,
    status: row.status,
    errorCodes: JSON.parse(row.error_codes) as number[],
    errorTitles: JSON.parse(row.error_titles) as string[],
    timestamp: row.ts,
    text: row.text,
  };
}

export function rowToSummary(row: DeliveryRow, records: EventRecord[]): EventSummary {
  return {
    id: row.id,
    receivedAt: iso(row.received_at),
    signature: row.signature as SignatureResult,
    bodySize: row.body_size,
    duplicateOf: row.duplicate_of,
    duplicates: row.duplicates,
    records,
    forward: row.forward as ForwardState,
    queued: row.queued as QueueState,
    source: row.source as DeliverySource,
  };
}

export function rowToAttempt(row: AttemptRow): ForwardAttempt {
  return {
    at: iso(row.at),
    target: row.target,
    statusCode: row.status_code,
    latencyMs: row.latency_ms === null ? null : Math.round(row.latency_ms * 10) / 10,
    error: row.error,
    replay: row.replay === 1,
  };
}
