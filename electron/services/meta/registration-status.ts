/**
 * The registration's status as users see it: what the panel recorded, what Meta has now for the scope, whether
 * that is the tunnel's callback URL, and notes in words (tunnel not online, a mismatch, an override that takes
 * precedence, Meta could not be asked). Never throws for Meta trouble: the notes say it.
 */
import type { WebhookStatus } from '../../../shared/domain/meta';
import { KreoError, type ErrorInfo } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';
import { requireMetaConfig, targetIdFor, type CallbackTargets } from './callback-targets';
import type { RegistrationStore } from './registration-store';

export async function readWebhookStatus(opts: {
  settings: Settings;
  store: Pick<RegistrationStore, 'load'>;
  targets: Pick<CallbackTargets, 'read' | 'precedenceNote'>;
  /** The callback URL the running tunnel implies (null when it is not online). */
  expectedUrl: string | null;
  lastError: ErrorInfo | null;
}): Promise<WebhookStatus> {
  const { settings: s, expectedUrl } = opts;
  const { active } = await opts.store.load();
  const scope = active?.scope ?? s.webhook.scope;
  const targetId = active?.targetId ?? targetIdFor(s, scope);
  const notes: string[] = [];
  let metaUrl: string | null = null;
  let asked = false;
  try {
    requireMetaConfig(s, scope, 'Checking the registration');
    metaUrl = (await opts.targets.read(scope, targetId, s)).url;
    asked = true;
    const precedence = await opts.targets.precedenceNote(scope, s, metaUrl).catch(() => null);
    if (precedence) notes.push(precedence);
  } catch (err) {
    notes.push(`Could not ask Meta: ${err instanceof KreoError ? err.message : 'unexpected error'}`);
  }
  const matches = asked && expectedUrl ? metaUrl === expectedUrl : null;
  if (!expectedUrl) notes.unshift('The tunnel is not online, so there is no URL to compare with.');
  else if (asked && !matches) {
    notes.unshift(
      metaUrl
        ? `Meta sends ${scope}-level events to ${metaUrl}, not to the tunnel (${expectedUrl}).`
        : `Meta has no ${scope}-level callback; the tunnel expects ${expectedUrl}.`,
    );
  } else if (matches) notes.unshift(`Meta sends ${scope}-level events to the tunnel.`);
  return {
    registered: s.webhook.registered,
    registeredAt: s.webhook.registeredAt || null,
    registeredUrl: s.webhook.registeredUrl || null,
    expectedUrl,
    metaUrl,
    matches,
    scope,
    previousUrl: active?.previous?.url ?? null,
    detail: notes.join(' '),
    lastError: opts.lastError,
  };
}
