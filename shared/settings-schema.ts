/**
 * The one settings schema. Every read and write of settings (file, environment, CLI, IPC, control API, the
 * settings screen) is validated against it. Keys are dotted paths (`section.key`); the stored form is nested.
 */
import { z } from 'zod';

const hostName =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A field's description: what it is and an example, used in error messages and the settings screen. */
export interface FieldInfo {
  key: SettingKey;
  section: SettingSection;
  /** Human form of the expected value, e.g. "a whole number from 1 to 65535". */
  expected: string;
  example: string;
  secret?: boolean;
  readOnly?: boolean;
  advanced?: boolean;
}

const port = z.number().int().min(1).max(65535);
const optionalUrl = z.union([z.literal(''), z.url({ protocol: /^https?$/ })]);

export const settingsSchema = z.object({
  ngrok: z.object({
    authtoken: z
      .string()
      .max(512)
      .regex(/^[A-Za-z0-9_-]*$/)
      .default(''),
    domain: z
      .string()
      .max(253)
      .refine((v) => v === '' || hostName.test(v))
      .default(''),
    serverAddr: z
      .string()
      .regex(/^$|^[A-Za-z0-9.-]+:\d{1,5}$/)
      .default(''),
    caCertPath: z.string().max(4096).default(''),
  }),
  server: z.object({
    host: z.string().min(1).max(253).default('127.0.0.1'),
    port: port.default(8000),
  }),
  webhook: z.object({
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/)
      .max(200)
      .default('/webhook'),
    autoRegister: z.boolean().default(false),
    scope: z.enum(['app', 'waba', 'phone']).default('app'),
    fields: z
      .array(z.string().regex(/^[a-z_]+$/))
      .min(1)
      .default(['messages']),
    restoreOnStop: z.boolean().default(false),
    registered: z.boolean().default(false),
    registeredAt: z.string().default(''),
    registeredUrl: z.string().default(''),
  }),
  meta: z.object({
    appId: z.string().regex(/^\d*$/).max(32).default(''),
    appSecret: z
      .string()
      .regex(/^[A-Za-z0-9]*$/)
      .max(128)
      .default(''),
    accessToken: z
      .string()
      .regex(/^[A-Za-z0-9_|.-]*$/)
      .max(2048)
      .default(''),
    verifyToken: z
      .string()
      .regex(/^[\x21-\x7e]*$/)
      .max(256)
      .default(''),
    phoneNumberId: z.string().regex(/^\d*$/).max(32).default(''),
    wabaId: z.string().regex(/^\d*$/).max(32).default(''),
    graphApiVersion: z
      .string()
      .regex(/^v\d+\.\d+$/)
      .default('v26.0'),
    graphBaseUrl: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
  }),
  redis: z.object({
    url: z.union([z.literal(''), z.string().regex(/^rediss?:\/\/\S+$/)]).default(''),
    stream: z.string().min(1).max(200).default('kreo:whatsapp:events'),
  }),
  forward: z.object({
    url: optionalUrl.default(''),
  }),
  rateLimit: z.object({
    messagesPerSecond: z.number().min(0.1).max(1000).default(80),
    concurrency: z.number().int().min(1).max(256).default(8),
    maxQueueSize: z.number().int().min(1).max(1_000_000).default(1000),
  }),
  store: z.object({
    retentionCount: z.number().int().min(100).max(10_000_000).default(100_000),
    retentionDays: z.number().int().min(1).max(3650).default(30),
  }),
  log: z.object({
    level: z.enum(['debug', 'info', 'warning', 'error', 'critical']).default('info'),
  }),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingSection = keyof Settings;
type Leaves<T> = {
  [S in keyof T & string]: { [K in keyof T[S] & string]: `${S}.${K}` }[keyof T[S] & string];
}[keyof T & string];
export type SettingKey = Leaves<Settings>;

/** Parses a partial nested object, filling defaults. Throws zod errors. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({
    ngrok: {},
    server: {},
    webhook: {},
    meta: {},
    redis: {},
    forward: {},
    rateLimit: {},
    store: {},
    log: {},
  });
}

export const SECRET_KEYS = [
  'ngrok.authtoken',
  'meta.appSecret',
  'meta.accessToken',
  'meta.verifyToken',
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
export const READ_ONLY_KEYS = [
  'webhook.registered',
  'webhook.registeredAt',
  'webhook.registeredUrl',
] as const;

export function isSecretKey(key: string): key is SecretKey {
  return (SECRET_KEYS as readonly string[]).includes(key);
}
export function isReadOnlyKey(key: string): boolean {
  return (READ_ONLY_KEYS as readonly string[]).includes(key);
}

/** Descriptions for every key: expected form and example, used to explain a refused value. */
export const FIELD_INFO: Record<SettingKey, Omit<FieldInfo, 'key' | 'section'>> = {
  'ngrok.authtoken': {
    expected: 'an ngrok authtoken (letters, digits, _ and -)',
    example: '2abcDEF123_xyz',
    secret: true,
  },
  'ngrok.domain': {
    expected: 'a domain reserved on your ngrok account, or a bare name',
    example: 'my-app.ngrok-free.app',
  },
  'ngrok.serverAddr': {
    expected: 'host:port of an ngrok-compatible server',
    example: '127.0.0.1:4443',
    advanced: true,
  },
  'ngrok.caCertPath': {
    expected: 'path to a PEM file with the CA that signs serverAddr',
    example: '/tmp/ca.pem',
    advanced: true,
  },
  'server.host': { expected: 'an interface address for the webhook listener', example: '127.0.0.1' },
  'server.port': { expected: 'a whole number from 1 to 65535', example: '8000' },
  'webhook.path': { expected: 'a URL path starting with /', example: '/webhook' },
  'webhook.autoRegister': { expected: 'true or false', example: 'true' },
  'webhook.scope': { expected: 'one of app, waba, phone', example: 'waba' },
  'webhook.fields': {
    expected: 'comma-separated webhook fields',
    example: 'messages,message_template_status_update',
  },
  'webhook.restoreOnStop': { expected: 'true or false', example: 'true' },
  'webhook.registered': { expected: 'written by the app', example: 'true', readOnly: true },
  'webhook.registeredAt': {
    expected: 'written by the app',
    example: '2026-11-28T10:00:00.000Z',
    readOnly: true,
  },
  'webhook.registeredUrl': {
    expected: 'written by the app',
    example: 'https://abc.ngrok-free.app/webhook',
    readOnly: true,
  },
  'meta.appId': { expected: 'the numeric Meta app id', example: '1234567890' },
  'meta.appSecret': {
    expected: 'the app secret (letters and digits)',
    example: 'a1b2c3d4e5f6',
    secret: true,
  },
  'meta.accessToken': { expected: 'a WhatsApp access token', example: 'EAAG...', secret: true },
  'meta.verifyToken': {
    expected: 'printable characters without spaces',
    example: 'my-verify-token',
    secret: true,
  },
  'meta.phoneNumberId': { expected: 'the numeric phone number id', example: '106540352242922' },
  'meta.wabaId': { expected: 'the numeric WhatsApp Business Account id', example: '102290129340398' },
  'meta.graphApiVersion': { expected: 'a Graph API version like vNN.N', example: 'v26.0' },
  'meta.graphBaseUrl': { expected: 'an http(s) URL', example: 'https://graph.facebook.com', advanced: true },
  'redis.url': { expected: 'empty (no Redis) or a redis:// URL', example: 'redis://127.0.0.1:6379/0' },
  'redis.stream': { expected: 'a Redis stream key', example: 'kreo:whatsapp:events' },
  'forward.url': {
    expected: 'empty, or the http(s) URL of your app',
    example: 'http://127.0.0.1:3000/webhook',
  },
  'rateLimit.messagesPerSecond': { expected: 'a number from 0.1 to 1000', example: '80' },
  'rateLimit.concurrency': { expected: 'a whole number from 1 to 256', example: '8' },
  'rateLimit.maxQueueSize': { expected: 'a whole number from 1 to 1000000', example: '1000' },
  'store.retentionCount': { expected: 'a whole number from 100 to 10000000', example: '100000' },
  'store.retentionDays': { expected: 'a whole number of days from 1 to 3650', example: '30' },
  'log.level': { expected: 'one of debug, info, warning, error, critical', example: 'info' },
};

export const SETTING_KEYS = Object.keys(FIELD_INFO) as SettingKey[];

export function fieldInfo(key: SettingKey): FieldInfo {
  const [section] = key.split('.') as [SettingSection];
  return { key, section, ...FIELD_INFO[key] };
}

export function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(FIELD_INFO, key);
}

/** Schema of one leaf, for validating a single field as the user types. */
export function leafSchema(key: SettingKey): z.ZodType {
  const [section, name] = key.split('.') as [SettingSection, string];
  const sectionSchema = settingsSchema.shape[section];
  return (sectionSchema.shape as Record<string, z.ZodType>)[name]!;
}

/** Turns text typed in a CLI or env var into the leaf's type (numbers, booleans, lists). */
export function coerceSettingValue(key: SettingKey, raw: string): unknown {
  const def = (defaultSettings() as unknown as Record<string, Record<string, unknown>>)[key.split('.')[0]!]![
    key.split('.')[1]!
  ];
  if (typeof def === 'number') return raw.trim() === '' ? Number.NaN : Number(raw);
  if (typeof def === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    return raw;
  }
  if (Array.isArray(def))
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

/** `meta.graphBaseUrl` → `KREO_META_GRAPH_BASE_URL`. */
export function envVarName(key: SettingKey): string {
  const [section, name] = key.split('.') as [string, string];
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `KREO_${snake(section)}_${snake(name)}`;
}

export function getSetting(settings: Settings, key: SettingKey): unknown {
  const [section, name] = key.split('.') as [SettingSection, string];
  return (settings[section] as Record<string, unknown>)[name];
}

/** A partial update: dotted keys to values. */
export type SettingsPatch = Partial<Record<SettingKey, unknown>>;

/** What leaves the settings service for UIs: secrets replaced by a mask and a flag. */
export interface SecretView {
  set: boolean;
  /** e.g. "••••••••xyz9" — never the value; short secrets show no characters at all. */
  masked: string;
}

export function maskSecret(value: string): SecretView {
  if (!value) return { set: false, masked: '' };
  if (value.length < 16) return { set: true, masked: '•'.repeat(8) };
  return { set: true, masked: `${'•'.repeat(8)}${value.slice(-4)}` };
}
