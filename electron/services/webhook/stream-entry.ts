/**
 * One Redis stream entry per stored event (the fields are documented in the README): built from the in-memory copy
 * the ingestor hands over right after the acknowledgement, or read back from the store (after a restart, or past
 * the outbox's memory cap).
 */
import type { EventRecord } from '../../../shared/domain/events';
import type { EventStore } from './event-store';
import { normaliseBody } from './parser';
import { iso } from './store-rows';

/** What a stream entry is made of: the stored delivery and its records. */
export interface StreamSource {
  id: number;
  receivedAt: number;
  source: string;
  signature: string;
  contentType: string;
  /** X-Hub-Signature-256 as received ('' when none). */
  hubSignature: string;
  body: Buffer;
  records: EventRecord[];
}

/** The fields of one stream entry (documented in the README). */
export function streamFieldsOf(instanceId: string, s: StreamSource): (string | Buffer)[] {
  const distinct = (values: (string | null)[]) =>
    [...new Set(values.filter((v): v is string => !!v))].join(',');
  const records = s.records;
  return [
    'event_id',
    String(s.id),
    'instance',
    instanceId,
    'dedupe_key',
    `${instanceId}:${s.id}`,
    'received_at',
    iso(s.receivedAt),
    'source',
    s.source,
    'signature',
    s.signature,
    'kinds',
    distinct(records.map((r) => r.kind)),
    'fields',
    distinct(records.map((r) => r.field)),
    'message_ids',
    distinct(records.map((r) => r.messageId)),
    'waba_id',
    records.find((r) => r.wabaId)?.wabaId ?? '',
    'phone_number_id',
    records.find((r) => r.phoneNumberId)?.phoneNumberId ?? '',
    'content_type',
    s.contentType,
    'x_hub_signature_256',
    s.hubSignature,
    'body',
    s.body,
  ];
}

/** The stream entry of a stored delivery read back from the store (after a restart, or past the memory cap). */
export function storedStreamSource(store: EventStore, deliveryId: number): StreamSource | null {
  const stored = store.queries.getBody(deliveryId);
  if (!stored) return null;
  return {
    id: stored.id,
    receivedAt: stored.receivedAt,
    source: stored.source,
    signature: stored.signature,
    contentType: stored.contentType,
    hubSignature: stored.headers['x-hub-signature-256'] ?? '',
    body: stored.body,
    records: normaliseBody(stored.body),
  };
}
