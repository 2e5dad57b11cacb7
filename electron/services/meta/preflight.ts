/**
 * Preflight: before asking Meta to save a callback, do what Meta will do, through the public URL: the verification
 * handshake (tunnel/handshake.ts) with a random challenge, then a signed test POST, each timed against Meta's ~6 s
 * budget. A failure names its precise cause (tunnel down, interstitial page, wrong answer, 401, too slow…).
 *
 * The test POST is a Meta-shaped envelope whose only change has `field: "kreo_preflight"` (value
 * `{kreo_preflight: true, nonce, sent_at}`) and carries the header `X-Kreo-Preflight: <nonce>`, so it is easy to
 * recognise (and ignore) in the event store and in a forwarded app.
 */
import { randomBytes } from 'node:crypto';
import { KreoError } from '../../../shared/errors';
import { fetchFailureOf, readBodyCapped, type FetchLike } from '../core/http';
import {
  HANDSHAKE_BODY_LIMIT,
  META_USER_AGENT,
  ngrokPageOf,
  sendHandshake,
  type HandshakeOutcome,
  type NgrokPage,
  type NgrokPageKind,
} from '../tunnel/handshake';
import { SIGNATURE_HEADER, signBody } from '../webhook/signature';

export const PREFLIGHT_FIELD = 'kreo_preflight';
export const PREFLIGHT_HEADER = 'x-kreo-preflight';
export const META_BUDGET_MS = 6_000;

export type PreflightCause =
  | 'tunnel_down'
  | 'listener_down'
  | 'interstitial'
  | 'wrong_verify_token'
  | 'wrong_answer'
  | 'not_found'
  | 'signature_rejected'
  | 'listener_error'
  | 'too_slow'
  | 'http_error';

export interface PreflightStep {
  ok: boolean;
  statusCode: number | null;
  elapsedMs: number;
  cause?: PreflightCause;
  detail?: string;
}

export interface PreflightReport {
  ok: boolean;
  url: string;
  handshake: PreflightStep;
  post: PreflightStep | null;
}

export interface PreflightOptions {
  callbackUrl: string;
  verifyToken: string;
  appSecret: string;
  fetch: FetchLike;
  budgetMs?: number;
  wabaId?: string;
  phoneNumberId?: string;
}

const HINTS: Record<PreflightCause, string> = {
  tunnel_down: 'Start the tunnel (`kreo ngrok start`) and check `kreo ngrok status`; then register again.',
  listener_down:
    "The tunnel is up but nothing answers on the local port: start the panel's listener (`kreo serve`) and check server.port.",
  interstitial:
    "Something answers with an HTML page instead of the panel's listener (a proxy, ngrok's browser warning or another app). Check that the tunnel forwards to the listener.",
  wrong_verify_token:
    'The listener at that URL refused the verify token: another program with a different verify token may be on that port.',
  wrong_answer:
    "Something other than the panel's listener answers at that URL (it did not echo the challenge). Check server.port and webhook.path.",
  not_found: 'Nothing answers at that path: check webhook.path against the listener.',
  signature_rejected:
    'The listener refused a POST signed with meta.appSecret: set meta.appSecret to the secret of this Meta app (App Dashboard → App settings → Basic).',
  listener_error:
    'The listener could not accept the event (e.g. its store cannot write): see `kreo health` and whatsapp.log.',
  too_slow:
    'Meta gives up after about 6 s. Check the network, the ngrok region and whether the machine is overloaded, then register again.',
  http_error: 'The URL answered with an unexpected HTTP status; see webhook_config.log.',
};

const NGROK_CAUSE: Record<NgrokPageKind, PreflightCause> = {
  interstitial: 'interstitial',
  upstream_down: 'listener_down',
  tunnel: 'tunnel_down',
};

interface Answer {
  status: number;
  headers: Headers;
  body: string;
  ngrok: NgrokPage | null;
}

/** Classifies an answer that is not the expected one. */
function classifyAnswer(res: Answer, expected: 'challenge' | 'accepted'): PreflightCause {
  if (res.ngrok) return NGROK_CAUSE[res.ngrok.kind];
  const html =
    /text\/html/i.test(res.headers.get('content-type') ?? '') || /^\s*<(!doctype|html)/i.test(res.body);
  if (res.status === 200 && html) return 'interstitial';
  if (res.status === 502 || res.status === 504) return 'listener_down';
  if (expected === 'challenge') {
    if (res.status === 403) return 'wrong_verify_token';
    if (res.status === 404) return 'not_found';
    if (res.status === 200) return 'wrong_answer';
  } else {
    if (res.status === 401) return 'signature_rejected';
    if (res.status === 404) return 'not_found';
    if (res.status >= 500) return 'listener_error';
  }
  return 'http_error';
}

/** A step that got an answer: failed with its cause, too slow, or ok. */
function answeredStep(
  res: Answer,
  cause: PreflightCause | null,
  ms: number,
  budgetMs: number,
): PreflightStep {
  if (cause) {
    const detail = res.body.replace(/\s+/g, ' ').slice(0, 120);
    return { ok: false, statusCode: res.status, elapsedMs: ms, cause, detail };
  }
  if (ms > budgetMs) {
    return {
      ok: false,
      statusCode: res.status,
      elapsedMs: ms,
      cause: 'too_slow',
      detail: `answered after ${ms} ms`,
    };
  }
  return { ok: true, statusCode: res.status, elapsedMs: ms };
}

/** A step that got no answer. */
function unansweredStep(timedOut: boolean, reason: string, ms: number, budgetMs: number): PreflightStep {
  return timedOut
    ? {
        ok: false,
        statusCode: null,
        elapsedMs: ms,
        cause: 'too_slow',
        detail: `no answer within ${budgetMs} ms`,
      }
    : {
        ok: false,
        statusCode: null,
        elapsedMs: ms,
        cause: 'tunnel_down',
        detail: `the public URL could not be reached (${reason})`,
      };
}

function handshakeStep(outcome: HandshakeOutcome, budgetMs: number): PreflightStep {
  const ms = Math.round(outcome.elapsedMs);
  if (outcome.kind === 'failure') return unansweredStep(outcome.timedOut, outcome.reason, ms, budgetMs);
  return answeredStep(outcome, outcome.ok ? null : classifyAnswer(outcome, 'challenge'), ms, budgetMs);
}

async function postStep(
  budgetMs: number,
  call: (signal: AbortSignal) => Promise<Response>,
): Promise<PreflightStep> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await call(AbortSignal.timeout(budgetMs));
    const body = await readBodyCapped(res, HANDSHAKE_BODY_LIMIT);
    const answer = { status: res.status, headers: res.headers, body, ngrok: ngrokPageOf(res.headers, body) };
    return answeredStep(
      answer,
      res.status === 200 ? null : classifyAnswer(answer, 'accepted'),
      elapsed(),
      budgetMs,
    );
  } catch (err) {
    const { timedOut, reason } = fetchFailureOf(err);
    return unansweredStep(timedOut, reason, elapsed(), budgetMs);
  }
}

/** The body of the signed test POST, and its signature. */
export function preflightPayload(opts: { wabaId?: string; phoneNumberId?: string; appSecret: string }): {
  body: string;
  nonce: string;
  signature: string;
} {
  const nonce = randomBytes(9).toString('base64url');
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: opts.wabaId || '0',
        changes: [
          {
            field: PREFLIGHT_FIELD,
            value: {
              kreo_preflight: true,
              nonce,
              sent_at: new Date().toISOString(),
              ...(opts.phoneNumberId ? { metadata: { phone_number_id: opts.phoneNumberId } } : {}),
            },
          },
        ],
      },
    ],
  });
  return { body, nonce, signature: signBody(opts.appSecret, body) };
}

export async function runPreflight(opts: PreflightOptions): Promise<PreflightReport> {
  const budgetMs = opts.budgetMs ?? META_BUDGET_MS;
  const handshake = handshakeStep(
    await sendHandshake({
      url: opts.callbackUrl,
      verifyToken: opts.verifyToken,
      fetch: opts.fetch,
      timeoutMs: budgetMs,
      probe: 'preflight',
    }),
    budgetMs,
  );
  if (!handshake.ok) return { ok: false, url: opts.callbackUrl, handshake, post: null };

  const { body, nonce, signature } = preflightPayload(opts);
  const post = await postStep(budgetMs, (signal) =>
    opts.fetch(opts.callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': META_USER_AGENT,
        [SIGNATURE_HEADER]: signature,
        [PREFLIGHT_HEADER]: nonce,
      },
      body,
      redirect: 'manual',
      signal,
    }),
  );
  return { ok: post.ok, url: opts.callbackUrl, handshake, post };
}

/** The error to throw for a failed preflight: the cause in words, its hint, and the timings in details. */
export function preflightError(report: PreflightReport): KreoError {
  const failed = report.handshake.ok ? report.post! : report.handshake;
  const step = report.handshake.ok ? 'signed test POST' : 'verification handshake';
  const cause = failed.cause ?? 'http_error';
  const what: Record<PreflightCause, string> = {
    tunnel_down: 'the tunnel is down',
    listener_down: 'the tunnel is up but the local listener does not answer',
    interstitial: 'an HTML page answered instead of the listener',
    wrong_verify_token: 'the verify token was refused (HTTP 403)',
    wrong_answer: 'the answer was not the challenge',
    not_found: 'nothing answers at that path (HTTP 404)',
    signature_rejected: 'the signature was refused (HTTP 401)',
    listener_error: `the listener failed (HTTP ${failed.statusCode ?? '?'})`,
    too_slow: `it took too long (${failed.elapsedMs} ms; Meta allows about 6 s)`,
    http_error: `unexpected HTTP ${failed.statusCode ?? '?'}`,
  };
  return new KreoError(
    'REGISTER_PREFLIGHT_FAILED',
    `Preflight ${step} to ${report.url} failed: ${what[cause]}${failed.detail && cause !== 'too_slow' ? ` (${failed.detail})` : ''}.`,
    HINTS[cause],
    {
      cause,
      step: report.handshake.ok ? 'post' : 'handshake',
      statusCode: failed.statusCode,
      elapsedMs: failed.elapsedMs,
      url: report.url,
    },
  );
}
