/**
 * Credentials inside URL-valued settings (`redis.url`, `forward.url`): `scheme://user:password@host…`. The settings
 * service keeps the URL without its userinfo in settings.json and the userinfo in the secret store; UIs see the
 * password masked (`redis://:••••••••@127.0.0.1:6379/0`); log redaction learns the password. A userinfo without ':'
 * (`https://TOKEN@host`) is a credential as a whole. Pure string work: the URL is never re-serialized, so what is
 * stored reads back byte for byte.
 */
import type { SettingKey } from '../../../shared/settings-schema';

export const URL_SETTING_KEYS = ['redis.url', 'forward.url'] as const satisfies readonly SettingKey[];
export type UrlSettingKey = (typeof URL_SETTING_KEYS)[number];
/** The secret store's name for a URL setting's userinfo. */
export type UrlCredentialKey = `${UrlSettingKey}#userinfo`;

export const URL_CREDENTIAL_KEYS: readonly UrlCredentialKey[] = URL_SETTING_KEYS.map(
  (k) => `${k}#userinfo` as const,
);

/** What stands for a password in what UIs see, as in the secrets' masks. */
export const URL_PASSWORD_MASK = '•'.repeat(8);
const ENCODED_MASK = encodeURIComponent(URL_PASSWORD_MASK);

export function isUrlSettingKey(key: string): key is UrlSettingKey {
  return (URL_SETTING_KEYS as readonly string[]).includes(key);
}

export function urlCredentialKey(key: UrlSettingKey): UrlCredentialKey {
  return `${key}#userinfo`;
}

/** The setting a stored credential belongs to, for messages: `redis.url#userinfo` → `redis.url`. */
export function credentialSetting(key: UrlCredentialKey): UrlSettingKey {
  return key.slice(0, -'#userinfo'.length) as UrlSettingKey;
}

/** A stored userinfo: no control characters and nothing that ends an authority (as splitUrl reads it). */
export function isValidUserinfo(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[^\x00-\x1f\x7f/?#\\]{1,2048}$/.test(value);
}

interface SplitUrl {
  /** `scheme://` */
  scheme: string;
  /** Between `://` and the last `@` of the authority; '' when there is none. */
  userinfo: string;
  /** Host, port, path, query, fragment. */
  rest: string;
}

/** The authority ends at the first `/`, `?`, `#` (or `\`, a slash for http URLs); its last `@` ends the userinfo. */
function splitUrl(url: string): SplitUrl | null {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (!m) return null;
  const scheme = m[0];
  const after = url.slice(scheme.length);
  const end = after.search(/[/?#\\]/);
  const authority = end < 0 ? after : after.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at <= 0) return { scheme, userinfo: '', rest: after }; // none, or an empty one (kept as typed)
  return { scheme, userinfo: after.slice(0, at), rest: after.slice(at + 1) };
}

/** The URL without its userinfo, and the userinfo ('' when there is none). */
export function stripUserinfo(url: string): { bare: string; userinfo: string } {
  const parts = splitUrl(url);
  if (!parts || !parts.userinfo) return { bare: url, userinfo: '' };
  return { bare: parts.scheme + parts.rest, userinfo: parts.userinfo };
}

/** The inverse of stripUserinfo. */
export function withUserinfo(bare: string, userinfo: string): string {
  if (!userinfo) return bare;
  const parts = splitUrl(bare);
  return parts ? `${parts.scheme}${userinfo}@${parts.rest}` : bare;
}

/** `user:password` → visible `user:`, secret `password`; a userinfo without ':' is secret whole. */
function secretPart(userinfo: string): { visible: string; secret: string } {
  const colon = userinfo.indexOf(':');
  return colon < 0
    ? { visible: '', secret: userinfo }
    : { visible: userinfo.slice(0, colon + 1), secret: userinfo.slice(colon + 1) };
}

/** What UIs see: the password (or a userinfo without ':') replaced by the mask; other URLs as they are. */
export function maskUrl(url: string): string {
  const { bare, userinfo } = stripUserinfo(url);
  if (!userinfo) return url;
  const { visible, secret } = secretPart(userinfo);
  return withUserinfo(bare, `${visible}${secret ? URL_PASSWORD_MASK : ''}`);
}

/** The URL's secret for value redaction, as written and percent-decoded; [] when it has none. */
export function urlSecrets(url: string): string[] {
  const { secret } = secretPart(stripUserinfo(url).userinfo);
  if (!secret) return [];
  let decoded = secret;
  try {
    decoded = decodeURIComponent(secret);
  } catch {
    // Not valid percent-encoding: the written form is all there is.
  }
  return decoded === secret ? [secret] : [secret, decoded];
}

/**
 * A URL a UI sends back: where its password is the mask (as shown, or percent-encoded by a URL parser) and the
 * current URL has a password, the current password is put back; everything else is as typed. So a form that shows
 * `redis://:••••••••@old-host:6379` and saves `redis://:••••••••@new-host:6379` moves the host and keeps the password.
 */
export function unmaskUrl(typed: string, current: string): string {
  if (typed === maskUrl(current)) return current;
  const { bare, userinfo } = stripUserinfo(typed);
  const { visible, secret } = secretPart(userinfo);
  if (secret !== URL_PASSWORD_MASK && secret !== ENCODED_MASK) return typed;
  const kept = secretPart(stripUserinfo(current).userinfo).secret;
  return kept ? withUserinfo(bare, `${visible}${kept}`) : typed;
}
