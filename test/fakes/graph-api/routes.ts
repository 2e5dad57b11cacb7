/** The Graph API fake's endpoints: subscriptions, subscribed_apps, phone number, debug_token, messages. */
import { randomBytes } from 'node:crypto';
import { runHandshake, type FetchLike } from './handshake';
import { errors, type MetaErrorAnswer } from './meta-errors';
import type { FakeState, FakeUserToken } from './state';

export interface FakeCall {
  method: string;
  /** Segments below the version, e.g. ['123', 'subscriptions']. */
  segments: string[];
  params: Record<string, unknown>;
  auth: ReturnType<FakeState['classify']>;
}

export interface RouteEnv {
  state: FakeState;
  fetch: FetchLike;
  handshakeTimeoutMs: number;
  sendLatencyMs: number;
  requireHttps: boolean;
}

export type Answer = { status: number; body: unknown } | MetaErrorAnswer;

const ok = (body: unknown): Answer => ({ status: 200, body });
const SUCCESS = ok({ success: true });

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function fieldList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) return fieldList(obj(`{"a":${t}}`)?.a);
    return t
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return [];
}

/** A user token that is valid and has `scope`, or the error to answer. */
function requireUser(call: FakeCall, env: RouteEnv, scope: string): FakeUserToken | Answer {
  if (call.auth.kind === 'none') return errors.noToken();
  if (call.auth.kind === 'invalid') return errors.badToken();
  if (call.auth.kind === 'app') return errors.missingScope(scope);
  const user = call.auth.user!;
  if (env.state.isExpired(user)) return errors.expiredToken();
  if (!user.scopes.includes(scope)) return errors.missingScope(scope);
  return user;
}

function requireApp(call: FakeCall): Answer | null {
  if (call.auth.kind === 'none') return errors.noToken();
  if (call.auth.kind === 'invalid') return errors.badToken();
  if (call.auth.kind !== 'app') return errors.needsAppToken();
  return null;
}

async function verifyCallback(env: RouteEnv, url: string, verifyToken: string): Promise<Answer | null> {
  if (env.requireHttps && !url.startsWith('https://'))
    return errors.param('callback_url must be an https URL');
  const record = await runHandshake(env.fetch, url, verifyToken, env.handshakeTimeoutMs);
  env.state.handshakes.push(record);
  return record.ok ? null : errors.handshakeFailed(record.reason ?? 'unknown');
}

async function appSubscriptions(call: FakeCall, env: RouteEnv): Promise<Answer> {
  const denied = requireApp(call);
  if (denied) return denied;
  const { state } = env;
  const object = str(call.params.object);
  if (call.method === 'GET') {
    return ok({
      data: state.appSubscriptions.map((s) => ({
        object: s.object,
        callback_url: s.callbackUrl,
        active: s.active,
        fields: s.fields.map((name) => ({ name, version: 'v26.0' })),
      })),
    });
  }
  if (call.method === 'DELETE') {
    const fields = fieldList(call.params.fields);
    state.appSubscriptions = state.appSubscriptions.flatMap((s) => {
      if (object && s.object !== object) return [s];
      if (!fields.length) return [];
      const left = s.fields.filter((f) => !fields.includes(f));
      return left.length ? [{ ...s, fields: left }] : [];
    });
    return SUCCESS;
  }
  const callbackUrl = str(call.params.callback_url);
  const verifyToken = str(call.params.verify_token);
  const fields = fieldList(call.params.fields);
  if (!object) return errors.param('The parameter object is required');
  if (!callbackUrl) return errors.param('The parameter callback_url is required');
  if (!verifyToken) return errors.param('The parameter verify_token is required');
  if (!fields.length) return errors.param('The parameter fields is required');
  const failed = await verifyCallback(env, callbackUrl, verifyToken);
  if (failed) return failed;
  // Like Meta: posting again replaces the URL and adds the fields to those already subscribed.
  const existing = state.appSubscriptions.find((s) => s.object === object);
  if (existing) {
    existing.callbackUrl = callbackUrl;
    existing.fields = [...new Set([...existing.fields, ...fields])];
    existing.active = true;
  } else state.appSubscriptions.push({ object, callbackUrl, fields, active: true });
  return SUCCESS;
}

async function subscribedApps(call: FakeCall, env: RouteEnv): Promise<Answer> {
  const user = requireUser(call, env, 'whatsapp_business_management');
  if ('status' in user) return user;
  const { state } = env;
  const appId = user.appId ?? state.appId;
  if (call.method === 'GET') {
    const data = state.appSubscribedToWaba
      ? [
          {
            whatsapp_business_api_data: {
              id: appId,
              name: state.appName,
              link: `https://www.facebook.com/games/?app_id=${appId}`,
            },
            ...(state.wabaOverride ? { override_callback_uri: state.wabaOverride } : {}),
          },
        ]
      : [];
    return ok({ data });
  }
  if (call.method === 'DELETE') {
    state.appSubscribedToWaba = false;
    state.wabaOverride = null;
    return SUCCESS;
  }
  const override = str(call.params.override_callback_uri);
  if (override) {
    const verifyToken = str(call.params.verify_token);
    if (!verifyToken)
      return errors.param('The parameter verify_token is required with override_callback_uri');
    const failed = await verifyCallback(env, override, verifyToken);
    if (failed) return failed;
  }
  state.appSubscribedToWaba = true;
  state.wabaOverride = override ?? null;
  return SUCCESS;
}

function phoneView(env: RouteEnv, fieldsParam: unknown): Record<string, unknown> {
  const { state } = env;
  const all: Record<string, unknown> = {
    display_phone_number: state.displayPhoneNumber,
    verified_name: state.verifiedName,
    quality_rating: state.qualityRating,
    code_verification_status: 'VERIFIED',
    name_status: 'APPROVED',
    messaging_limit_tier: 'TIER_1K',
    throughput: { level: 'STANDARD' },
  };
  const sub = state.whatsappSubscription();
  const hook: Record<string, string> = {};
  if (sub) hook.application = sub.callbackUrl;
  if (state.appSubscribedToWaba && state.wabaOverride) hook.whatsapp_business_account = state.wabaOverride;
  if (state.phoneOverride) hook.phone_number = state.phoneOverride;
  all.webhook_configuration = hook;
  const wanted = fieldList(fieldsParam);
  const keys = wanted.length ? wanted : ['display_phone_number', 'verified_name', 'quality_rating'];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in all) out[k] = all[k];
  out.id = state.phoneNumberId;
  return out;
}

async function phoneNumber(call: FakeCall, env: RouteEnv): Promise<Answer> {
  const user = requireUser(call, env, 'whatsapp_business_management');
  if ('status' in user) return user;
  if (call.method === 'GET') return ok(phoneView(env, call.params.fields));
  if (call.method !== 'POST') return errors.unknownPath(call.segments.join('/'));
  const config = obj(call.params.webhook_configuration);
  if (!config || typeof config.override_callback_uri !== 'string') {
    return errors.param('webhook_configuration.override_callback_uri is required');
  }
  const url = config.override_callback_uri;
  if (url) {
    const verifyToken = str(config.verify_token);
    if (!verifyToken) return errors.param('webhook_configuration.verify_token is required');
    const failed = await verifyCallback(env, url, verifyToken);
    if (failed) return failed;
  }
  env.state.phoneOverride = url || null;
  return SUCCESS;
}

function debugToken(call: FakeCall, env: RouteEnv): Answer {
  if (call.auth.kind === 'none') return errors.noToken();
  if (call.auth.kind === 'invalid') return errors.badToken();
  const { state } = env;
  const input = str(call.params.input_token);
  if (!input) return errors.param('The parameter input_token is required');
  if (input === state.appToken) {
    return ok({
      data: { app_id: state.appId, type: 'APP', application: state.appName, is_valid: true, scopes: [] },
    });
  }
  const t = state.tokens.get(input);
  if (!t) {
    return ok({
      data: { is_valid: false, scopes: [], error: { code: 190, message: 'Invalid OAuth access token.' } },
    });
  }
  const expired = state.isExpired(t);
  return ok({
    data: {
      app_id: t.appId ?? state.appId,
      type: t.type ?? 'SYSTEM_USER',
      application: state.appName,
      expires_at: t.expiresAt ?? 0,
      is_valid: !expired,
      scopes: t.scopes,
      granular_scopes: t.scopes
        .filter((s) => s.startsWith('whatsapp'))
        .map((scope) => ({ scope, target_ids: [state.wabaId] })),
      ...(expired ? { error: { code: 190, subcode: 463, message: 'Session has expired' } } : {}),
    },
  });
}

async function sendMessage(call: FakeCall, env: RouteEnv): Promise<Answer> {
  const user = requireUser(call, env, 'whatsapp_business_messaging');
  if ('status' in user) return user;
  const { state } = env;
  const p = call.params;
  if (p.messaging_product !== 'whatsapp') return errors.param('messaging_product must be whatsapp');
  const to = str(p.to);
  if (!to) return errors.param('The parameter to is required.', 131008);
  const type = str(p.type) ?? 'text';
  let body: string | undefined;
  let template: { name: string; language: string } | undefined;
  if (type === 'text') {
    body = str(obj(p.text)?.body);
    if (!body) return errors.param('The parameter text.body is required.', 131008);
    if (body.length > 4096)
      return errors.param('Param text.body must be at most 4096 characters long.', 131009);
  } else if (type === 'template') {
    const t = obj(p.template);
    const name = str(t?.name);
    const language = str(obj(t?.language)?.code);
    if (!name || !language)
      return errors.param('template.name and template.language.code are required.', 131008);
    if (!state.templates.some((x) => x.name === name && x.language === language)) {
      return errors.templateMissing(name, language);
    }
    template = { name, language };
  }
  // Counted at receipt, like Meta; the simulated network latency delays only the answer.
  const at = performance.now();
  const admitted = state.admitSend(Date.now());
  if (env.sendLatencyMs > 0) await new Promise((r) => setTimeout(r, env.sendLatencyMs));
  if (!admitted) {
    state.rejectedSends.push({ at, code: 130429 });
    return errors.throughput();
  }
  const id = `wamid.${randomBytes(18).toString('base64url')}`;
  state.sends.push({
    at,
    wallMs: Date.now(),
    phoneNumberId: state.phoneNumberId,
    to,
    type,
    id,
    body,
    template,
  });
  return ok({
    messaging_product: 'whatsapp',
    contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }],
    messages: [{ id, ...(type === 'template' ? { message_status: 'accepted' } : {}) }],
  });
}

export async function route(call: FakeCall, env: RouteEnv): Promise<Answer> {
  const { state } = env;
  const [id, edge, ...rest] = call.segments;
  if (!id || rest.length) return errors.unknownPath(call.segments.join('/'));
  if (id === 'debug_token' && !edge && call.method === 'GET') return debugToken(call, env);
  if (id === state.appId && edge === 'subscriptions') return appSubscriptions(call, env);
  if (id === state.wabaId && edge === 'subscribed_apps') return subscribedApps(call, env);
  if (id === state.phoneNumberId && !edge) return phoneNumber(call, env);
  if (id === state.phoneNumberId && edge === 'messages' && call.method === 'POST')
    return sendMessage(call, env);
  return errors.unknownObject(id);
}
