/**
 * A URL as reports and logs may show it: the userinfo (`user:password@`, e.g. in redis.url or forward.url) removed,
 * the rest kept. Text that does not parse as a URL loses anything up to an `@` in its authority too, so a
 * credential never survives a malformed value.
 */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  }
}
