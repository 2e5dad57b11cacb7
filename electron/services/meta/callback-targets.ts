/**
 * Where a callback lives at Meta, per `webhook.scope`: the app's subscription (app), the app's override on the
 * WABA (waba) or the phone number's override (phone). Read what is there, set a URL, remove it, and put back
 * what was there before.
 */
import type { WebhookScope } from '../../../shared/domain/meta';
import { KreoError } from '../../../shared/errors';
import type { Settings, SettingKey } from '../../../shared/settings-schema';
import type { GraphApi } from './graph-api';
import type { PreviousCallback, RegistrationRecord } from './registration-store';
import { appAccessToken } from './types';

export interface CurrentCallback {
  url: string | null;
  fields: string[];
}

/** Keys a scope needs; throws META_NOT_CONFIGURED naming the missing ones. */
export function requireMetaConfig(s: Settings, scope: WebhookScope, purpose: string): void {
  const need: SettingKey[] = ['meta.appId', 'meta.appSecret', 'meta.verifyToken'];
  if (scope === 'waba') need.push('meta.accessToken', 'meta.wabaId');
  if (scope === 'phone') need.push('meta.accessToken', 'meta.phoneNumberId');
  const missing = need.filter((k) => !s.meta[k.slice(5) as keyof Settings['meta']]);
  if (missing.length) {
    throw new KreoError(
      'META_NOT_CONFIGURED',
      `${purpose} with webhook.scope=${scope} needs ${missing.join(', ')}.`,
      `Set ${missing.length > 1 ? 'them' : 'it'} in Settings → Meta or with \`kreo config set ${missing[0]} …\`.`,
      { missing },
    );
  }
}

export function targetIdFor(s: Settings, scope: WebhookScope): string {
  if (scope === 'waba') return s.meta.wabaId;
  if (scope === 'phone') return s.meta.phoneNumberId;
  return s.meta.appId;
}

export class CallbackTargets {
  constructor(private readonly graph: GraphApi) {}

  /** What Meta has now at this target. */
  async read(scope: WebhookScope, targetId: string, s: Settings): Promise<CurrentCallback> {
    if (scope === 'app') {
      const sub = await this.graph.getWhatsAppSubscription(targetId, appAccessToken(s.meta));
      return { url: sub?.callbackUrl || null, fields: sub?.fields ?? [] };
    }
    if (scope === 'waba') {
      const apps = await this.graph.listSubscribedApps(targetId, s.meta.accessToken);
      const mine = apps.find((a) => a.appId === s.meta.appId);
      return { url: mine?.overrideCallbackUri ?? null, fields: [] };
    }
    const phone = await this.graph.getPhoneNumber(targetId, s.meta.accessToken, 'webhook_configuration');
    return { url: phone.webhook_configuration?.phone_number || null, fields: [] };
  }

  /** Points the target at `url`; Meta runs its handshake against it first. */
  async set(
    scope: WebhookScope,
    targetId: string,
    s: Settings,
    url: string,
    fields: string[],
  ): Promise<void> {
    const verifyToken = s.meta.verifyToken;
    if (scope === 'app') {
      await this.graph.subscribeApp(targetId, appAccessToken(s.meta), {
        callbackUrl: url,
        verifyToken,
        fields,
      });
    } else if (scope === 'waba') {
      await this.graph.subscribeWaba(targetId, s.meta.accessToken, { callbackUrl: url, verifyToken });
    } else {
      await this.graph.setPhoneWebhook(targetId, s.meta.accessToken, { callbackUrl: url, verifyToken });
    }
  }

  /** Removes the panel's callback when nothing was there before. The app stays subscribed to the WABA. */
  async clear(scope: WebhookScope, targetId: string, s: Settings): Promise<void> {
    if (scope === 'app') await this.graph.deleteAppSubscription(targetId, appAccessToken(s.meta));
    else if (scope === 'waba') await this.graph.subscribeWaba(targetId, s.meta.accessToken);
    else await this.graph.setPhoneWebhook(targetId, s.meta.accessToken, { callbackUrl: '' });
  }

  /**
   * Puts back what was there before the panel registered. For the app scope, fields the panel added that were not
   * subscribed before are removed again (Meta adds fields on each POST).
   */
  async restore(record: RegistrationRecord, s: Settings, previous: PreviousCallback | null): Promise<void> {
    if (!previous) {
      await this.clear(record.scope, record.targetId, s);
      return;
    }
    await this.set(
      record.scope,
      record.targetId,
      s,
      previous.url,
      previous.fields.length ? previous.fields : record.fields,
    );
    if (record.scope === 'app' && previous.fields.length) {
      const extra = record.fields.filter((f) => !previous.fields.includes(f));
      if (extra.length)
        await this.graph.deleteAppSubscription(record.targetId, appAccessToken(s.meta), extra);
    }
  }

  /**
   * Makes sure the app is subscribed to the WABA (needed for any callback to receive its events). Returns a note
   * for the status detail, or null when nothing needed doing.
   */
  async ensureWabaSubscription(s: Settings): Promise<string | null> {
    if (!s.meta.wabaId) return null;
    if (!s.meta.accessToken)
      return 'meta.accessToken is not set, so the app subscription to the WABA was not checked.';
    const apps = await this.graph.listSubscribedApps(s.meta.wabaId, s.meta.accessToken);
    if (apps.some((a) => a.appId === s.meta.appId)) return null;
    await this.graph.subscribeWaba(s.meta.wabaId, s.meta.accessToken);
    return `Subscribed app ${s.meta.appId} to WABA ${s.meta.wabaId}.`;
  }

  /**
   * For app or WABA scope: an override with higher precedence (phone number, then WABA, then app) that would take
   * this number's events elsewhere. Null when none (or when it cannot be checked).
   */
  async precedenceNote(scope: WebhookScope, s: Settings, ourUrl: string | null): Promise<string | null> {
    if (scope === 'phone' || !s.meta.phoneNumberId || !s.meta.accessToken) return null;
    const phone = await this.graph.getPhoneNumber(
      s.meta.phoneNumberId,
      s.meta.accessToken,
      'webhook_configuration',
    );
    const hook = phone.webhook_configuration ?? {};
    const winner = hook.phone_number || (scope === 'app' ? hook.whatsapp_business_account : undefined);
    if (winner && winner !== ourUrl) {
      return `Events for phone number ${s.meta.phoneNumberId} go to ${winner}: a ${hook.phone_number ? 'phone number' : 'WABA'} override takes precedence over the ${scope}-level callback.`;
    }
    return null;
  }
}
