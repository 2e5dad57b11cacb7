/**
 * The round-trip test: Meta's verification handshake (GET <url><path>?hub.mode=subscribe&hub.verify_token=…&
 * hub.challenge=<random digits>) sent through the public URL, as Meta would. Reports whether the challenge came
 * back and how long it took, and explains ngrok's interstitial (ERR_NGROK_6024) and error pages.
 * The verify token is a secret: it is sent, never reported or logged (the reported URL carries no query).
 */
import { randomInt } from 'node:crypto';
import type { TestConnectionResult } from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import { scrubSecrets, translateNgrokCode } from './ngrok-errors';

export interface TestConnectionInput {
  publicUrl: string;
  webhookPath: string;
  verifyToken: string;
  localTarget: string;
  domain: string | null;
  timeoutMs: number;
  fetch: typeof fetch;
  now: () => number;
  /** Secrets to scrub from anything reported. */
  secrets: string[];
}

const BODY_LIMIT = 64 * 1024;

export function randomChallenge(): string {
  return String(randomInt(1_000_000_000, 10_000_000_000));
}

export function handshakeUrl(
  publicUrl: string,
  webhookPath: string,
  verifyToken: string,
  challenge: string,
): URL {
  const url = new URL(publicUrl);
  const base = url.pathname.replace(/\/+$/, '');
  url.pathname = `${base}${webhookPath.startsWith('/') ? '' : '/'}${webhookPath}`;
  url.search = new URLSearchParams({
    'hub.mode': 'subscribe',
    'hub.verify_token': verifyToken,
    'hub.challenge': challenge,
  }).toString();
  return url;
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < BODY_LIMIT) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= BODY_LIMIT) await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8');
}

/** ngrok's code from the `ngrok-error-code` header or an ngrok-branded page, else null. */
export function ngrokPageCode(res: { headers: Headers }, body: string): string | null {
  const header = res.headers.get('ngrok-error-code');
  if (header && /^ERR_NGROK_\d+$/.test(header.trim())) return header.trim();
  if (/ngrok-skip-browser-warning/i.test(body) && /<html/i.test(body)) return 'ERR_NGROK_6024';
  const inBody = /ERR_NGROK_\d+/.exec(body);
  return inBody && /ngrok/i.test(body.replace(inBody[0], '')) ? inBody[0] : null;
}

export async function runTestConnection(input: TestConnectionInput): Promise<TestConnectionResult> {
  const challenge = randomChallenge();
  const url = handshakeUrl(input.publicUrl, input.webhookPath, input.verifyToken, challenge);
  const shownUrl = `${url.origin}${url.pathname}`;
  const started = input.now();
  const result = (fields: Partial<TestConnectionResult>): TestConnectionResult => ({
    ok: false,
    url: shownUrl,
    statusCode: null,
    roundTripMs: null,
    challengeMatched: false,
    error: null,
    ...fields,
  });

  let res: Response;
  let body: string;
  try {
    res = await input.fetch(url, {
      method: 'GET',
      headers: { 'user-agent': 'KREO-WhatsApp-Panel/test-connection', accept: '*/*' },
      redirect: 'manual',
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    body = await readCapped(res);
  } catch (err) {
    const name = (err as Error)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const why = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
    const error = timedOut
      ? new KreoError(
          'TUNNEL_TEST_FAILED',
          `No answer through ${shownUrl} within ${Math.round(input.timeoutMs / 1000)} s.`,
          'Check the tunnel status (kreo ngrok status) and that the webhook listener is running (kreo serve); then test again.',
        )
      : new KreoError(
          'TUNNEL_TEST_FAILED',
          `The request to ${shownUrl} failed (${scrubSecrets(why, input.secrets)}).`,
          'Check your internet connection and the tunnel status (kreo ngrok status), then test again.',
        );
    return result({ roundTripMs: timedOut ? null : input.now() - started, error: error.toInfo() });
  }

  const roundTripMs = input.now() - started;
  const challengeMatched = body.trim() === challenge;
  const base = { statusCode: res.status, roundTripMs, challengeMatched };
  if (res.status === 200 && challengeMatched) return result({ ...base, ok: true });

  const ctx = { domain: input.domain, localTarget: input.localTarget, secrets: input.secrets };
  const ngrokCode = ngrokPageCode(res, body);
  if (ngrokCode) return result({ ...base, error: translateNgrokCode(ngrokCode, ctx).toInfo() });
  return result({ ...base, error: explainStatus(res.status, body, input).toInfo() });
}

function explainStatus(status: number, body: string, input: TestConnectionInput): KreoError {
  const path = input.webhookPath;
  if (status === 200) {
    return new KreoError(
      'TUNNEL_TEST_FAILED',
      'The answer came back (HTTP 200) but did not echo the challenge.',
      `Something other than the KREO webhook listener may be answering on ${input.localTarget}${path}; check server.port and webhook.path.`,
    );
  }
  if (status === 403) {
    return new KreoError(
      'TUNNEL_TEST_FAILED',
      'The webhook listener refused the verification (HTTP 403): the verify token did not match.',
      'The test sends meta.verifyToken; make sure the listener behind the tunnel is this panel’s (kreo serve) and uses the same settings.',
    );
  }
  if (status === 404) {
    return new KreoError(
      'TUNNEL_TEST_FAILED',
      `Nothing answers at ${path} behind the tunnel (HTTP 404).`,
      `Check webhook.path (now ${path}) and that the tunnel forwards to the webhook listener’s port (server.port).`,
    );
  }
  if (status === 502 && /failed to dial backend|connection refused/i.test(body)) {
    return new KreoError(
      'TUNNEL_UPSTREAM_DOWN',
      `The tunnel works, but nothing answered on ${input.localTarget} (HTTP 502).`,
      'Start the webhook listener (kreo serve), or check server.port and the --port you started the tunnel with.',
    );
  }
  return new KreoError(
    'TUNNEL_TEST_FAILED',
    `The answer through the tunnel was HTTP ${status}, not the challenge.`,
    'See whatsapp.log and ngrok_manager.log (kreo ngrok logs) for what the listener did with the request.',
  );
}
