/**
 * The control API's two gates: the Host header must name a loopback address (defeats DNS rebinding), and every API
 * request must carry the host's bearer token, compared in constant time. WebSocket clients that cannot set headers
 * (browsers) send the token as a subprotocol: `new WebSocket(url, ['kreo.v1', 'kreo.token.' + token])`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { WS_TOKEN_PREFIX } from '../../../shared/control-protocol';

export { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../shared/control-protocol';

/** 32 random bytes, base64url: safe in a header, a URL fragment and a WebSocket subprotocol. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison that does not leak the length either (both sides hashed first). */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * True when the Host header is `127.0.0.1`, `localhost` or `[::1]`, optionally with a port that, when the server's
 * port is known, must be that port.
 */
export function isLoopbackHost(hostHeader: string | undefined, port?: number): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(hostHeader.trim().toLowerCase());
  if (!m) return false;
  const [, name, portText] = m;
  if (!LOOPBACK_NAMES.has(name!)) return false;
  if (portText !== undefined && port !== undefined && port !== 0 && Number(portText) !== port) return false;
  return true;
}

/** The token from `Authorization: Bearer …`, else from a `kreo.token.…` WebSocket subprotocol. */
export function extractToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const protocols = headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const trimmed = p.trim();
      if (trimmed.startsWith(WS_TOKEN_PREFIX)) return trimmed.slice(WS_TOKEN_PREFIX.length);
    }
  }
  return undefined;
}
