/**
 * Meta's X-Hub-Signature-256: `sha256=<lowercase hex HMAC-SHA256 of the raw body, keyed with the app secret>`.
 * Always computed over the bytes as received (re-serialised JSON has different bytes), compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureResult } from '../../../shared/domain/events';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

const HEADER_FORM = /^sha256=([0-9a-fA-F]{64})$/;

/** The header value Meta would send for these bytes. */
export function signBody(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * 'unchecked' when no secret is configured (the caller decides what that means), 'missing' without a header,
 * 'invalid' for a malformed header or a wrong MAC, 'valid' otherwise.
 */
export function checkSignature(
  secret: string,
  header: string | string[] | undefined,
  body: Uint8Array,
): SignatureResult {
  if (!secret) return 'unchecked';
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return 'missing';
  const match = HEADER_FORM.exec(value.trim());
  if (!match) return 'invalid';
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (given.length !== expected.length) return 'invalid';
  return timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
