/** The verification handshake Meta runs against a callback while a subscription or override is being saved. */
import { randomInt } from 'node:crypto';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface HandshakeRecord {
  at: string;
  callbackUrl: string;
  ok: boolean;
  statusCode: number | null;
  elapsedMs: number;
  /** Why it failed, worded like Meta's 2200 message. */
  reason: string | null;
}

export async function runHandshake(
  fetchImpl: FetchLike,
  callbackUrl: string,
  verifyToken: string,
  timeoutMs: number,
): Promise<HandshakeRecord> {
  const challenge = String(randomInt(100_000_000, 2_000_000_000));
  const started = performance.now();
  const record = (ok: boolean, statusCode: number | null, reason: string | null): HandshakeRecord => ({
    at: new Date().toISOString(),
    callbackUrl,
    ok,
    statusCode,
    elapsedMs: Math.round(performance.now() - started),
    reason,
  });
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    return record(false, null, 'callback_url is not a valid URL');
  }
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.challenge', challenge);
  url.searchParams.set('hub.verify_token', verifyToken);
  try {
    const res = await fetchImpl(url, {
      method: 'GET',
      headers: { 'user-agent': 'facebookexternalua', accept: '*/*' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.text();
    if (res.status !== 200) return record(false, res.status, `HTTP Status Code = ${res.status}`);
    if (body !== challenge) {
      return record(
        false,
        res.status,
        `The URL couldn't be validated. Response does not match challenge, expected value="${challenge}", received="${body.slice(0, 40)}"`,
      );
    }
    return record(true, res.status, null);
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return record(
        false,
        null,
        `curl_errno = 28; curl_error = Operation timed out after ${timeoutMs} milliseconds`,
      );
    }
    const code = (err as { cause?: { code?: string } }).cause?.code ?? 'unknown';
    return record(false, null, `curl_errno = 7; curl_error = Couldn't connect to server (${code})`);
  }
}
