/**
 * Turns one webhook body into normalised records (one per message, status, error or field update). Total: any JSON
 * value yields at least one record; unknown fields and message types become kind 'other' or keep their type name,
 * never an exception. Senders are `wa_id` or the business-scoped `user_id`: a phone number is never assumed.
 */
import { blankRecord, type EventRecord } from '../../../shared/domain/events';

type Obj = Record<string, unknown>;

const TEMPLATE_FIELDS = new Set([
  'message_template_status_update',
  'message_template_quality_update',
  'message_template_components_update',
  'template_category_update',
]);

const ACCOUNT_FIELDS = new Set([
  'account_update',
  'account_review_update',
  'account_alerts',
  'phone_number_quality_update',
  'phone_number_name_update',
  'business_capability_update',
  'security',
]);

const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'];

function obj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}
function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return null;
}
function clip(text: string | null, max = 500): string | null {
  if (text === null) return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Meta error objects: `{code, title, message, error_data:{details}}`. */
function collectErrors(list: unknown, into: EventRecord): void {
  for (const item of arr(list)) {
    const e = obj(item);
    if (!e) continue;
    const code = num(e.code);
    if (code !== null) into.errorCodes.push(code);
    const title = str(e.title) ?? str(e.message);
    if (title) into.errorTitles.push(clip(title, 200)!);
  }
}

function messageText(msg: Obj, type: string): string | null {
  const part = obj(msg[type]);
  if (type === 'text') return str(obj(msg.text)?.body);
  if (MEDIA_TYPES.includes(type)) return str(part?.caption) ?? str(part?.filename) ?? str(part?.mime_type);
  if (type === 'button') return str(obj(msg.button)?.text) ?? str(obj(msg.button)?.payload);
  if (type === 'interactive') {
    const reply =
      obj(part?.button_reply) ??
      obj(part?.list_reply) ??
      obj(part?.nfm_reply) ??
      obj(part?.[str(part?.type) ?? '']);
    return str(reply?.title) ?? str(reply?.body) ?? str(reply?.name) ?? str(reply?.id);
  }
  if (type === 'reaction') return str(part?.emoji);
  if (type === 'location') {
    const label = [str(part?.name), str(part?.address)].filter(Boolean).join(', ');
    if (label) return label;
    const lat = num(part?.latitude) ?? Number(part?.latitude);
    const lng = num(part?.longitude) ?? Number(part?.longitude);
    return Number.isFinite(lat) && Number.isFinite(lng) ? `${lat},${lng}` : null;
  }
  if (type === 'contacts') {
    const names = arr(msg.contacts)
      .map((c) => str(obj(obj(c)?.name)?.formatted_name))
      .filter((n): n is string => !!n);
    return names.length ? names.join(', ') : null;
  }
  if (type === 'order') {
    const items = arr(part?.product_items).length;
    const note = str(part?.text);
    return `${items} item${items === 1 ? '' : 's'}${note ? `: ${note}` : ''}`;
  }
  if (type === 'system') return str(part?.body);
  return str(part?.body) ?? str(part?.text) ?? null;
}

interface Sender {
  from: string | null;
  fromType: 'wa_id' | 'user_id' | null;
}

/** Who sent a message: `from` when present, typed by the matching contact; else the contact's wa_id or user_id. */
function resolveSender(msg: Obj, contacts: Obj[]): Sender {
  const from = str(msg.from);
  const fromUserId = str(msg.from_user_id) ?? str(msg.user_id);
  if (from) {
    if (contacts.some((c) => str(c.wa_id) === from)) return { from, fromType: 'wa_id' };
    if (contacts.some((c) => str(c.user_id) === from)) return { from, fromType: 'user_id' };
    // Without a matching contact: phone-form ids are wa_ids, anything else is a business-scoped id.
    return { from, fromType: /^\d{5,20}$/.test(from) ? 'wa_id' : 'user_id' };
  }
  if (fromUserId) return { from: fromUserId, fromType: 'user_id' };
  const only = contacts.length === 1 ? contacts[0]! : null;
  if (only && str(only.wa_id)) return { from: str(only.wa_id), fromType: 'wa_id' };
  if (only && str(only.user_id)) return { from: str(only.user_id), fromType: 'user_id' };
  return { from: null, fromType: null };
}

function messagesField(value: Obj, field: string, wabaId: string | null): EventRecord[] {
  const phoneNumberId = str(obj(value.metadata)?.phone_number_id);
  const contacts = arr(value.contacts)
    .map(obj)
    .filter((c): c is Obj => c !== null);
  const out: EventRecord[] = [];

  for (const item of arr(value.messages)) {
    const msg = obj(item);
    if (!msg) continue;
    const type = str(msg.type) ?? 'unknown';
    const rec = blankRecord('message', field, { wabaId });
    rec.phoneNumberId = phoneNumberId;
    rec.messageId = str(msg.id);
    Object.assign(rec, resolveSender(msg, contacts));
    rec.messageType = type;
    rec.timestamp = str(msg.timestamp);
    rec.text = clip(messageText(msg, type));
    collectErrors(msg.errors, rec);
    out.push(rec);
  }

  for (const item of arr(value.statuses)) {
    const st = obj(item);
    if (!st) continue;
    const rec = blankRecord('status', field, { wabaId });
    rec.phoneNumberId = phoneNumberId;
    rec.messageId = str(st.id);
    rec.status = str(st.status);
    rec.recipient = str(st.recipient_id) ?? str(st.recipient_user_id);
    rec.timestamp = str(st.timestamp);
    rec.messageType = str(obj(st.pricing)?.category) ?? null;
    collectErrors(st.errors, rec);
    out.push(rec);
  }

  for (const item of arr(value.errors)) {
    const rec = blankRecord('error', field, { wabaId });
    rec.phoneNumberId = phoneNumberId;
    collectErrors([item], rec);
    rec.text = clip(str(obj(obj(item)?.error_data)?.details) ?? str(obj(item)?.message));
    out.push(rec);
  }

  if (out.length === 0) {
    const rec = blankRecord('other', field, { wabaId });
    rec.phoneNumberId = phoneNumberId;
    const contact = contacts[0];
    if (contact) {
      rec.from = str(contact.wa_id) ?? str(contact.user_id);
      rec.fromType = str(contact.wa_id) ? 'wa_id' : str(contact.user_id) ? 'user_id' : null;
    }
    out.push(rec);
  }
  return out;
}

function templateField(value: Obj, field: string, wabaId: string | null): EventRecord {
  const rec = blankRecord('template', field, { wabaId });
  rec.status =
    str(value.event) ??
    str(value.new_quality_score) ??
    str(value.new_category) ??
    str(value.correct_category);
  const name = str(value.message_template_name);
  const lang = str(value.message_template_language);
  rec.text = name ? `${name}${lang ? ` [${lang}]` : ''}` : null;
  const reason = str(value.reason) ?? str(obj(value.other_info)?.title);
  if (reason && reason !== 'NONE') rec.errorTitles.push(reason);
  return rec;
}

function accountField(value: Obj, field: string, wabaId: string | null): EventRecord {
  const rec = blankRecord('account', field, { wabaId });
  rec.status =
    str(value.event) ?? str(value.decision) ?? str(value.alert_status) ?? str(value.current_limit) ?? null;
  rec.text = clip(
    str(value.display_phone_number) ??
      str(value.phone_number) ??
      str(value.requested_verified_name) ??
      str(value.alert_description) ??
      null,
  );
  const reasons = [
    str(value.rejection_reason),
    str(obj(value.violation_info)?.violation_type),
    str(obj(value.ban_info)?.waba_ban_state),
    str(value.alert_type),
  ].filter((r): r is string => !!r && r !== 'NONE');
  rec.errorTitles.push(...reasons);
  return rec;
}

function otherField(value: Obj | null, field: string, wabaId: string | null): EventRecord {
  const rec = blankRecord('other', field, { wabaId });
  rec.phoneNumberId = str(obj(value?.metadata)?.phone_number_id);
  rec.timestamp = str(value?.timestamp);
  return rec;
}

/** Every record in a parsed webhook body. Never throws; a body that is not Meta's envelope gives one 'other'. */
export function normalisePayload(payload: unknown): EventRecord[] {
  const root = obj(payload);
  const entries = arr(root?.entry);
  const out: EventRecord[] = [];
  for (const item of entries) {
    const entry = obj(item);
    if (!entry) continue;
    const wabaId = str(entry.id);
    const changes = arr(entry.changes);
    if (changes.length === 0) out.push(otherField(entry, '', wabaId));
    for (const c of changes) {
      const change = obj(c);
      const field = str(change?.field) ?? '';
      const value = obj(change?.value);
      if (field === 'messages' && value) out.push(...messagesField(value, field, wabaId));
      else if (TEMPLATE_FIELDS.has(field) && value) out.push(templateField(value, field, wabaId));
      else if (ACCOUNT_FIELDS.has(field) && value) out.push(accountField(value, field, wabaId));
      else out.push(otherField(value, field, wabaId));
    }
  }
  if (out.length === 0) out.push(blankRecord('other', str(root?.object) ?? ''));
  return out;
}

/** Parses raw bytes then normalises; a body that is not JSON gives one 'other' record. */
export function normaliseBody(body: Uint8Array | string): EventRecord[] {
  try {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    return normalisePayload(JSON.parse(text));
  } catch {
    return [blankRecord('other', '')];
  }
}
