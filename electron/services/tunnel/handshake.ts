/**
 * Meta's verification handshake, sent as Meta sends it: GET <callback URL>?hub.mode=subscribe&hub.verify_token=…&
 * hub.challenge=<10 random digits>, redirects not followed, the answer read up to 64 KiB. And the one reader of
 * ngrok's error pages. Used by the tunnel's round-trip test, registration's preflight and the health probe of the
 * local listener.
 *
 * The panel's own handshakes say who sent them in `X-Kreo-Probe` (health, tunnel-test, preflight), so the listener
 * can tell them from Meta's. The verify token is sent, never returned: `shownUrl` carries no query.
 */
import { randomInt } from 'node:crypto';
import { fetchFailureOf, readBodyCapped, type FetchLike } from '../core/http';

export const HANDSHAKE_BODY_LIMIT = 64 * 1024;
/** Header naming which of the panel's checks sent a request (absent on Meta's own). */
export const PROBE_HEADER = 'x-kreo-probe';
/** Meta's user agent on webhook requests. */
export const META_USER_AGENT = 'facebookexternalua';

export type HandshakeProbe = 'health' | 'tunnel-test' | 'preflight';

export interface HandshakeRequest {
  /** The callback URL (base URL + webhook path); the hub.* parameters are added to its query. */
  url: string;
  verifyToken: string;
  fetch: FetchLike;
  timeoutMs: number;
  /** Sent as X-Kreo-Probe. */
  probe: HandshakeProbe;
  /** Default Meta's. */
  userAgent?: string;
  /** Clock for elapsedMs. Default performance.now. */
  now?: () => number;
}

/** Something answered HTTP. */
export interface HandshakeAnswer {
  kind: 'answer';
  shownUrl: string;
  status: number;
  headers: Headers;
  /** At most HANDSHAKE_BODY_LIMIT bytes of it. */
  body: string;
  /** The body is exactly the challenge (Meta compares it as it is: no trimming). */
  challengeMatched: boolean;
  /** HTTP 200 with the challenge: what Meta accepts. */
  ok: boolean;
  /** ngrok's own error page answered instead of the listener (never set when ok). */
  ngrok: NgrokPage | null;
  elapsedMs: number;
}

/** Nothing answered: the request failed or timed out. */
export interface HandshakeFailure {
  kind: 'failure';
  shownUrl: string;
  timedOut: boolean;
  /** The network code (ECONNREFUSED…) or message; never the URL's query. */
  reason: string;
  elapsedMs: number;
}

export type HandshakeOutcome = HandshakeAnswer | HandshakeFailure;

export function randomChallenge(): string {
  return String(randomInt(1_000_000_000, 10_000_000_000));
}

export function handshakeUrl(callbackUrl: string, verifyToken: string, challenge: string): URL {
  const url = new URL(callbackUrl);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.verify_token', verifyToken);
  url.searchParams.set('hub.challenge', challenge);
  return url;
}

export async function sendHandshake(req: HandshakeRequest): Promise<HandshakeOutcome> {
  const now = req.now ?? (() => performance.now());
  const challenge = randomChallenge();
  const url = handshakeUrl(req.url, req.verifyToken, challenge);
  const shownUrl = `${url.origin}${url.pathname}`;
  const started = now();
  try {
    const res = await req.fetch(url, {
      method: 'GET',
      headers: { 'user-agent': req.userAgent ?? META_USER_AGENT, accept: '*/*', [PROBE_HEADER]: req.probe },
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const body = await readBodyCapped(res, HANDSHAKE_BODY_LIMIT);
    const challengeMatched = body === challenge;
    const ok = res.status === 200 && challengeMatched;
    return {
      kind: 'answer',
      shownUrl,
      status: res.status,
      headers: res.headers,
      body,
      challengeMatched,
      ok,
      ngrok: ok ? null : ngrokPageOf(res.headers, body),
      elapsedMs: now() - started,
    };
  } catch (err) {
    return { kind: 'failure', shownUrl, ...fetchFailureOf(err), elapsedMs: now() - started };
  }
}

/**
 * What an ngrok error page means for a webhook: `interstitial` (ERR_NGROK_6024, the free plan's browser warning),
 * `upstream_down` (ngrok reached this machine but the local listener did not answer properly: ERR_NGROK_8012,
 * ERR_NGROK_3004), `tunnel` (any other: the endpoint is offline, limits, the account…).
 */
export type NgrokPageKind = 'interstitial' | 'upstream_down' | 'tunnel';

export interface NgrokPage {
  code: string;
  kind: NgrokPageKind;
}

const UPSTREAM_DOWN = new Set(['ERR_NGROK_8012', 'ERR_NGROK_3004']);

/**
 * ngrok's page, from its `ngrok-error-code` header or an ngrok-branded body; null for anything else (an app that
 * merely mentions an ERR_NGROK code is not ngrok).
 */
export function ngrokPageOf(headers: Headers, body: string): NgrokPage | null {
  const code = ngrokPageCode(headers, body);
  if (!code) return null;
  const kind: NgrokPageKind =
    code === 'ERR_NGROK_6024' ? 'interstitial' : UPSTREAM_DOWN.has(code) ? 'upstream_down' : 'tunnel';
  return { code, kind };
}

function ngrokPageCode(headers: Headers, body: string): string | null {
  const header = headers.get('ngrok-error-code')?.trim();
  if (header && /^ERR_NGROK_\d+$/.test(header)) return header;
  if (/ngrok-skip-browser-warning/i.test(body) && /<html/i.test(body)) return 'ERR_NGROK_6024';
  const inBody = /ERR_NGROK_\d+/.exec(body);
  return inBody && /ngrok/i.test(body.replace(inBody[0], '')) ? inBody[0] : null;
}
