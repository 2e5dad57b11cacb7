/**
 * The Meta health check: is the access token valid (debug_token), when does it expire, does it carry the
 * WhatsApp scopes, and what does Meta say about the phone number (name, quality rating, throughput).
 * Volatile numbers go in `data`; `detail` stays stable so unchanged health is not re-published.
 */
import type { HealthCheck, HealthState } from '../../../shared/domain/meta';
import { toErrorInfo } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';
import type { GraphApi } from '../meta/graph-api';
import { appAccessToken } from '../meta/types';

export const REQUIRED_SCOPES = ['whatsapp_business_messaging', 'whatsapp_business_management'] as const;
const DAY = 86_400_000;

export type CheckResult = Omit<HealthCheck, 'name' | 'checkedAt'>;

const RANK: Record<HealthState, number> = { not_configured: 0, ok: 1, warning: 2, failed: 3 };
export function worst(states: HealthState[]): HealthState {
  return states.reduce<HealthState>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

interface Part {
  state: HealthState;
  detail: string;
  hint?: string;
}

export async function checkMeta(graph: GraphApi, s: Settings, now = Date.now()): Promise<CheckResult> {
  const m = s.meta;
  if (!m.accessToken) {
    return {
      state: 'not_configured',
      detail: 'No Meta access token is set.',
      hint: 'Set meta.accessToken (and meta.appId, meta.appSecret, meta.phoneNumberId) in Settings → Meta or with `kreo config set`.',
    };
  }
  const parts: Part[] = [];
  const data: Record<string, unknown> = {};
  // debug_token wants an app token; without the app secret the token may inspect itself.
  const inspector = m.appId && m.appSecret ? appAccessToken(m) : m.accessToken;
  try {
    const t = await graph.debugToken(m.accessToken, inspector);
    data.tokenType = t.type ?? null;
    data.scopes = t.scopes;
    data.expiresAt = t.expires_at ? new Date(t.expires_at * 1000).toISOString() : null;
    if (!t.is_valid) {
      parts.push({
        state: 'failed',
        detail: `The access token is not valid${t.error?.message ? ` (${t.error.message})` : ''}.`,
        hint: 'Generate a new token (a system user token does not expire) and save it as meta.accessToken.',
      });
    } else {
      if (t.app_id && m.appId && t.app_id !== m.appId) {
        parts.push({
          state: 'warning',
          detail: `The access token belongs to app ${t.app_id}, not meta.appId ${m.appId}.`,
          hint: 'Use a token of the same app, or correct meta.appId.',
        });
      }
      const expires = t.expires_at ? t.expires_at * 1000 : 0;
      if (!expires) parts.push({ state: 'ok', detail: 'The token is valid and does not expire.' });
      else if (expires <= now) {
        parts.push({
          state: 'failed',
          detail: 'The token has expired.',
          hint: 'Generate a new token and save it as meta.accessToken.',
        });
      } else if (expires - now < 7 * DAY) {
        parts.push({
          state: 'warning',
          detail: `The token expires within ${Math.max(1, Math.ceil((expires - now) / DAY))} day(s).`,
          hint: 'Replace it soon; a system user token does not expire.',
        });
      } else
        parts.push({
          state: 'ok',
          detail: `The token is valid until ${new Date(expires).toISOString().slice(0, 10)}.`,
        });
      const missing = REQUIRED_SCOPES.filter((sc) => !t.scopes.includes(sc));
      if (missing.length) {
        parts.push({
          state: 'failed',
          detail: `The token lacks ${missing.join(' and ')}.`,
          hint: 'Generate the token again with the WhatsApp permissions (Business Settings → System users → Generate token).',
        });
      }
    }
  } catch (err) {
    const info = toErrorInfo(err);
    parts.push({ state: 'failed', detail: `Checking the token failed: ${info.message}`, hint: info.hint });
  }

  if (!m.phoneNumberId) {
    parts.push({
      state: 'warning',
      detail: 'meta.phoneNumberId is not set, so the number cannot be checked or used to send.',
      hint: 'Copy the phone number id from App Dashboard → WhatsApp → API Setup.',
    });
  } else {
    try {
      const p = await graph.getPhoneNumber(m.phoneNumberId, m.accessToken);
      data.phone = {
        displayPhoneNumber: p.display_phone_number ?? null,
        verifiedName: p.verified_name ?? null,
        qualityRating: p.quality_rating ?? null,
        throughput: p.throughput?.level ?? null,
        messagingLimitTier: p.messaging_limit_tier ?? null,
        nameStatus: p.name_status ?? null,
      };
      const q = (p.quality_rating ?? 'UNKNOWN').toUpperCase();
      const who = `${p.display_phone_number ?? m.phoneNumberId}${p.verified_name ? ` (${p.verified_name})` : ''}`;
      if (q === 'RED') {
        parts.push({
          state: 'failed',
          detail: `Number ${who}: quality rating RED.`,
          hint: 'Meta may lower the messaging limit; check WhatsApp Manager → Insights and reduce messages users block or report.',
        });
      } else if (q === 'YELLOW') {
        parts.push({
          state: 'warning',
          detail: `Number ${who}: quality rating YELLOW.`,
          hint: 'Quality is dropping; review recent templates and opt-in practices.',
        });
      } else parts.push({ state: 'ok', detail: `Number ${who}: quality rating ${q}.` });
    } catch (err) {
      const info = toErrorInfo(err);
      parts.push({
        state: 'failed',
        detail: `Reading phone number ${m.phoneNumberId} failed: ${info.message}`,
        hint: info.hint,
      });
    }
  }

  const state = worst(parts.map((p) => p.state));
  const lead = parts.filter((p) => p.state === state);
  return {
    state,
    detail: parts.map((p) => p.detail).join(' '),
    ...(lead.find((p) => p.hint) ? { hint: lead.find((p) => p.hint)!.hint } : {}),
    data,
  };
}
