/**
 * The inspector's filters (kind, phone or user id, message id, status, text) as a predicate over event summaries,
 * applied to live pushes, and as the `events.list` query that fetches matching history from the host.
 */
import type { EventKind, EventRecord, EventsListInput, EventSummary } from '../../../shared/domain/events';

export interface EventFilter {
  kind: EventKind | '';
  party: string;
  messageId: string;
  status: string;
  text: string;
}

export const EMPTY_FILTER: EventFilter = { kind: '', party: '', messageId: '', status: '', text: '' };

/** Statuses Meta sends for outbound messages, offered in the status filter. */
export const KNOWN_STATUSES = ['sent', 'delivered', 'read', 'failed', 'played', 'deleted'] as const;

export function isEmptyFilter(f: EventFilter): boolean {
  return !f.kind && !f.party.trim() && !f.messageId.trim() && !f.status && !f.text.trim();
}

function has(value: string | null, needle: string): boolean {
  return value !== null && value.toLowerCase().includes(needle);
}

/** Builds a predicate once per filter (lower-casing done up front), cheap enough for 100,000 rows. */
export function compileFilter(f: EventFilter): (e: EventSummary) => boolean {
  if (isEmptyFilter(f)) return () => true;
  const party = f.party.trim().toLowerCase();
  const mid = f.messageId.trim().toLowerCase();
  const text = f.text.trim().toLowerCase();
  const tests: ((r: EventRecord) => boolean)[] = [];
  const perEvent: ((e: EventSummary) => boolean)[] = [];
  if (f.kind) {
    const kind = f.kind;
    perEvent.push((e) =>
      e.records.length === 0 ? kind === 'other' : e.records.some((r) => r.kind === kind),
    );
  }
  if (party)
    tests.push(
      (r) =>
        has(r.from, party) || has(r.recipient, party) || has(r.phoneNumberId, party) || has(r.wabaId, party),
    );
  if (mid) tests.push((r) => has(r.messageId, mid));
  if (f.status) {
    const status = f.status;
    tests.push((r) => r.status === status);
  }
  if (text)
    tests.push(
      (r) =>
        has(r.text, text) ||
        has(r.messageType, text) ||
        has(r.field, text) ||
        r.errorTitles.some((t) => t.toLowerCase().includes(text)),
    );
  for (const test of tests) perEvent.push((e) => e.records.some(test));
  return (e) => perEvent.every((p) => p(e));
}

export function matchesFilter(e: EventSummary, f: EventFilter): boolean {
  return compileFilter(f)(e);
}

/** The host query for the same filter; empty fields are left out. */
export function toListInput(
  f: EventFilter,
  opts: { beforeId?: number; limit?: number } = {},
): EventsListInput {
  const input: EventsListInput = { limit: opts.limit ?? 500 };
  if (f.kind) input.kind = f.kind;
  if (f.party.trim()) input.party = f.party.trim();
  if (f.messageId.trim()) input.messageId = f.messageId.trim();
  if (f.status) input.status = f.status;
  if (f.text.trim()) input.text = f.text.trim();
  if (opts.beforeId !== undefined) input.beforeId = opts.beforeId;
  return input;
}

/** A one-line summary of what an event carries, for the list. */
export function describeEvent(e: EventSummary): { party: string; what: string } {
  const r = e.records[0];
  if (!r) return { party: '', what: '' };
  const party = r.from ?? r.recipient ?? r.phoneNumberId ?? r.wabaId ?? '';
  let what: string;
  if (r.kind === 'status')
    what = r.messageId ? `${r.status ?? '?'} · …${r.messageId.slice(-12)}` : (r.status ?? '?');
  else if (r.kind === 'message')
    what = r.text ? `${r.messageType ?? 'text'}: ${r.text}` : (r.messageType ?? '');
  else if (r.errorTitles.length) what = r.errorTitles.join('; ');
  else what = r.status ? `${r.field}: ${r.status}` : r.field;
  if (e.records.length > 1) what += ` (+${e.records.length - 1})`;
  return { party, what };
}
