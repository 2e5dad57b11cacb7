/**
 * The round-trip test: Meta's verification handshake (handshake.ts) sent through the public URL + webhook.path, as
 * Meta would. Reports whether the challenge came back and how long it took, and explains ngrok's interstitial
 * (ERR_NGROK_6024) and error pages.
 * The verify token is a secret: it is sent, never reported or logged (the reported URL carries no query).
 */
import type { TestConnectionResult } from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import { callbackUrl } from '../core/callback-url';
import type { FetchLike } from '../core/http';
import { sendHandshake } from './handshake';
import { scrubSecrets, translateNgrokCode } from './ngrok-errors';

export interface TestConnectionInput {
  publicUrl: string;
  webhookPath: string;
  verifyToken: string;
  localTarget: string;
  domain: string | null;
  timeoutMs: number;
  fetch: FetchLike;
  now: () => number;
  /** Secrets to scrub from anything reported. */
  secrets: string[];
}

export async function runTestConnection(input: TestConnectionInput): Promise<TestConnectionResult> {
  const outcome = await sendHandshake({
    url: callbackUrl(input.publicUrl, input.webhookPath),
    verifyToken: input.verifyToken,
    fetch: input.fetch,
    timeoutMs: input.timeoutMs,
    probe: 'tunnel-test',
    userAgent: 'KREO-WhatsApp-Panel/test-connection',
    now: input.now,
  });
  const result = (fields: Partial<TestConnectionResult>): TestConnectionResult => ({
    ok: false,
    url: outcome.shownUrl,
    statusCode: null,
    roundTripMs: null,
    challengeMatched: false,
    error: null,
    ...fields,
  });

  if (outcome.kind === 'failure') {
    const error = outcome.timedOut
      ? new KreoError(
          'TUNNEL_TEST_FAILED',
          `No answer through ${outcome.shownUrl} within ${Math.round(input.timeoutMs / 1000)} s.`,
          'Check the tunnel status (kreo ngrok status) and that the webhook listener is running (kreo serve); then test again.',
        )
      : new KreoError(
          'TUNNEL_TEST_FAILED',
          `The request to ${outcome.shownUrl} failed (${scrubSecrets(outcome.reason, input.secrets)}).`,
          'Check your internet connection and the tunnel status (kreo ngrok status), then test again.',
        );
    return result({ roundTripMs: outcome.timedOut ? null : outcome.elapsedMs, error: error.toInfo() });
  }

  const base = {
    statusCode: outcome.status,
    roundTripMs: outcome.elapsedMs,
    challengeMatched: outcome.challengeMatched,
  };
  if (outcome.ok) return result({ ...base, ok: true });
  if (outcome.ngrok) {
    const ctx = { domain: input.domain, localTarget: input.localTarget, secrets: input.secrets };
    return result({ ...base, error: translateNgrokCode(outcome.ngrok.code, ctx).toInfo() });
  }
  return result({ ...base, error: explainStatus(outcome.status, outcome.body, input).toInfo() });
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
