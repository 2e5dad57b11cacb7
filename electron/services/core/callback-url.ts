/**
 * The one way to join a public (or local) base URL and the webhook path into the URL Meta calls: the base's
 * trailing slashes go, the path gets its leading slash, and a base that already ends with the path is kept, so
 * handing in a full callback URL is harmless. The base's query and fragment are dropped.
 */
export function callbackUrl(baseUrl: string, path: string): string {
  const url = new URL(baseUrl);
  const base = url.pathname.replace(/\/+$/, '');
  const wanted = path.startsWith('/') ? path : `/${path}`;
  url.pathname = base === wanted.replace(/\/+$/, '') ? url.pathname : `${base}${wanted}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}
