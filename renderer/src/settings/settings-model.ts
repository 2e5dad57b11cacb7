/**
 * The settings form's pure logic: how fields are grouped and edited, converting typed text to the schema's value,
 * validating one field with the contract's leaf schema, and building the patch that `settings.set` receives.
 */
import { z } from 'zod';
import type { SettingsView } from '../../../shared/domain/settings';
import {
  defaultSettings,
  envVarName,
  FIELD_INFO,
  getSetting,
  isReadOnlyKey,
  isSecretKey,
  leafSchema,
  SECRET_KEYS,
  SETTING_KEYS,
  type SecretKey,
  type Settings,
  type SettingKey,
} from '../../../shared/settings-schema';

export type GroupId = 'ngrok' | 'webhook' | 'meta' | 'redis' | 'forward' | 'rateLimit' | 'store' | 'log';

/** The screen's groups; the local listener (server.*) sits with the webhook it serves. */
export const GROUPS: readonly { id: GroupId; keys: readonly SettingKey[] }[] = [
  { id: 'ngrok', keys: ['ngrok.authtoken', 'ngrok.domain', 'ngrok.serverAddr', 'ngrok.caCertPath'] },
  {
    id: 'webhook',
    keys: [
      'server.host',
      'server.port',
      'webhook.path',
      'webhook.autoRegister',
      'webhook.scope',
      'webhook.fields',
      'webhook.restoreOnStop',
      'webhook.registered',
      'webhook.registeredAt',
      'webhook.registeredUrl',
    ],
  },
  {
    id: 'meta',
    keys: [
      'meta.appId',
      'meta.appSecret',
      'meta.accessToken',
      'meta.verifyToken',
      'meta.phoneNumberId',
      'meta.wabaId',
      'meta.graphApiVersion',
      'meta.graphBaseUrl',
    ],
  },
  { id: 'redis', keys: ['redis.url', 'redis.stream'] },
  { id: 'forward', keys: ['forward.url'] },
  {
    id: 'rateLimit',
    keys: ['rateLimit.messagesPerSecond', 'rateLimit.concurrency', 'rateLimit.maxQueueSize'],
  },
  { id: 'store', keys: ['store.retentionCount', 'store.retentionDays'] },
  { id: 'log', keys: ['log.level'] },
];

export type FieldKind = 'text' | 'number' | 'boolean' | 'enum' | 'list' | 'secret';

export interface FieldSpec {
  key: SettingKey;
  kind: FieldKind;
  options: readonly string[];
  readOnly: boolean;
  secret: boolean;
  advanced: boolean;
  example: string;
}

const DEFAULTS: Settings = defaultSettings();

function enumOptions(key: SettingKey): readonly string[] {
  let schema: unknown = leafSchema(key);
  if (schema instanceof z.ZodDefault) schema = schema.unwrap();
  return schema instanceof z.ZodEnum ? (schema.options as string[]) : [];
}

function kindOf(key: SettingKey): FieldKind {
  if (isSecretKey(key)) return 'secret';
  const def = getSetting(DEFAULTS, key);
  if (typeof def === 'boolean') return 'boolean';
  if (typeof def === 'number') return 'number';
  if (Array.isArray(def)) return 'list';
  if (enumOptions(key).length > 0) return 'enum';
  return 'text';
}

export const FIELD_SPECS: Record<SettingKey, FieldSpec> = Object.fromEntries(
  SETTING_KEYS.map((key) => [
    key,
    {
      key,
      kind: kindOf(key),
      options: enumOptions(key),
      readOnly: isReadOnlyKey(key),
      secret: isSecretKey(key),
      advanced: FIELD_INFO[key].advanced === true,
      example: FIELD_INFO[key].example,
    },
  ]),
) as Record<SettingKey, FieldSpec>;

/** What an input holds: text as typed, or a checkbox state. */
export type Draft = string | boolean;

export type SecretDraft = { mode: 'keep' } | { mode: 'replace'; value: string } | { mode: 'clear' };

/** The value from the host's view for a key (secrets read as ''). */
export function viewValue(view: SettingsView, key: SettingKey): unknown {
  const [section, name] = key.split('.') as [string, string];
  const v = view.values[section]?.[name];
  return v === undefined ? getSetting(DEFAULTS, key) : v;
}

export function toDraft(key: SettingKey, value: unknown): Draft {
  const kind = FIELD_SPECS[key].kind;
  if (kind === 'boolean') return value === true;
  if (Array.isArray(value)) return value.join(', ');
  if (value === null || value === undefined) return '';
  return String(value);
}

/** Typed text → the schema's value type (numbers, lists, booleans). */
export function fromDraft(key: SettingKey, draft: Draft): unknown {
  const kind = FIELD_SPECS[key].kind;
  if (typeof draft === 'boolean') return draft;
  if (kind === 'number') return draft.trim() === '' ? Number.NaN : Number(draft.trim());
  if (kind === 'list')
    return draft
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return draft;
}

/** null when the value is acceptable; otherwise the field's own description of what it expects. */
export function validateValue(key: SettingKey, value: unknown): { example: string } | null {
  const res = leafSchema(key).safeParse(value);
  return res.success ? null : { example: FIELD_INFO[key].example };
}

export function validateDraft(key: SettingKey, draft: Draft): { example: string } | null {
  return validateValue(key, fromDraft(key, draft));
}

export function validateSecret(key: SecretKey, draft: SecretDraft): 'empty' | { example: string } | null {
  if (draft.mode !== 'replace') return null;
  if (draft.value === '') return 'empty';
  return validateValue(key, draft.value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function isEnvOverridden(view: SettingsView, key: SettingKey): boolean {
  return view.envOverrides.includes(key);
}

/** The variable a user would change for an overridden key. */
export function envNameFor(key: SettingKey): string {
  return key === 'ngrok.authtoken' ? 'NGROK_AUTHTOKEN / KREO_NGROK_AUTHTOKEN' : envVarName(key);
}

export function isEditable(view: SettingsView, key: SettingKey): boolean {
  return !FIELD_SPECS[key].readOnly && !isEnvOverridden(view, key);
}

export type Drafts = Partial<Record<SettingKey, Draft>>;
export type SecretDrafts = Partial<Record<SecretKey, SecretDraft>>;

/** Drafts for every non-secret key, from a view. */
export function draftsFromView(view: SettingsView): Drafts {
  const out: Drafts = {};
  for (const key of SETTING_KEYS) if (!FIELD_SPECS[key].secret) out[key] = toDraft(key, viewValue(view, key));
  return out;
}

export function isDirty(view: SettingsView, key: SettingKey, draft: Draft | undefined): boolean {
  if (draft === undefined) return false;
  return !sameValue(fromDraft(key, draft), viewValue(view, key));
}

export interface PatchResult {
  patch: Partial<Record<SettingKey, unknown>>;
  /** Keys that fail validation on the client, with what they expect. */
  errors: Partial<Record<SettingKey, 'empty' | { example: string }>>;
}

/** Only changed, editable fields go into the patch; secrets only when replaced or removed. */
export function buildPatch(view: SettingsView, drafts: Drafts, secrets: SecretDrafts): PatchResult {
  const patch: PatchResult['patch'] = {};
  const errors: PatchResult['errors'] = {};
  for (const key of SETTING_KEYS) {
    if (!isEditable(view, key)) continue;
    if (isSecretKey(key)) {
      const d = secrets[key];
      if (!d || d.mode === 'keep') continue;
      const err = validateSecret(key, d);
      if (err) errors[key] = err;
      else patch[key] = d.mode === 'clear' ? '' : d.value;
      continue;
    }
    const draft = drafts[key];
    if (draft === undefined || !isDirty(view, key, draft)) continue;
    const value = fromDraft(key, draft);
    const err = validateValue(key, value);
    if (err) errors[key] = err;
    else patch[key] = value;
  }
  return { patch, errors };
}

export { SECRET_KEYS, SETTING_KEYS };
export type { SecretKey, SettingKey };
