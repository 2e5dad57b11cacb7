/**
 * Links a message to its lifecycle by message id (wamid): the inbound message or the outbound send, then the sent,
 * delivered, read, played and failed statuses, in time order, with errors. Duplicate deliveries are left out.
 */
import type { EventKind, EventSummary } from '../../../shared/domain/events';
import { metaTimestampToIso } from '../lib/format';

export type TimelineStep =
  'message' | 'sent' | 'delivered' | 'read' | 'played' | 'failed' | 'deleted' | 'other';

export interface TimelineEntry {
  eventId: number;
  kind: EventKind;
  step: TimelineStep;
  /** The record's own timestamp (ISO), else when the delivery was received. */
  at: string;
  receivedAt: string;
  errorCodes: number[];
  errorTitles: string[];
  party: string | null;
}

export interface Timeline {
  messageId: string;
  entries: TimelineEntry[];
  /** When each status was first reached. */
  reached: Partial<Record<TimelineStep, string>>;
  /** Meta may skip "delivered": read or played arrived without it. */
  deliveredSkipped: boolean;
  final: TimelineStep | null;
}

const ORDER: Record<TimelineStep, number> = {
  message: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: 5,
  deleted: 6,
  other: 7,
};

function stepOf(kind: EventKind, status: string | null): TimelineStep {
  if (kind === 'message') return 'message';
  if (status && status in ORDER && status !== 'message' && status !== 'other') return status as TimelineStep;
  return 'other';
}

export function buildTimeline(messageId: string, events: readonly EventSummary[]): Timeline {
  const entries: TimelineEntry[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.duplicateOf !== null) continue;
    for (const r of e.records) {
      if (r.messageId !== messageId) continue;
      const step = stepOf(r.kind, r.status);
      const at = metaTimestampToIso(r.timestamp) ?? e.receivedAt;
      const key = `${step}|${at}|${r.errorCodes.join(',')}`;
      if (seen.has(key)) continue; // the same status re-sent in another delivery (e.g. a replay)
      seen.add(key);
      entries.push({
        eventId: e.id,
        kind: r.kind,
        step,
        at,
        receivedAt: e.receivedAt,
        errorCodes: r.errorCodes,
        errorTitles: r.errorTitles,
        party: r.from ?? r.recipient,
      });
    }
  }
  entries.sort((a, b) => a.at.localeCompare(b.at) || ORDER[a.step] - ORDER[b.step] || a.eventId - b.eventId);
  const reached: Timeline['reached'] = {};
  for (const entry of entries) reached[entry.step] ??= entry.at;
  const deliveredSkipped = !reached.delivered && Boolean(reached.read || reached.played);
  let final: TimelineStep | null = null;
  for (const entry of entries)
    if (entry.step !== 'other' && (final === null || ORDER[entry.step] >= ORDER[final])) final = entry.step;
  return { messageId, entries, reached, deliveredSkipped, final };
}

/** Message ids an event refers to, in record order, without repeats. */
export function messageIdsOf(e: EventSummary): string[] {
  const out: string[] = [];
  for (const r of e.records) if (r.messageId && !out.includes(r.messageId)) out.push(r.messageId);
  return out;
}
