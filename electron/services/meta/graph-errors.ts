/**
 * Graph API error answers → typed KreoErrors. Meta's shape is `{error:{message, type, code, error_subcode?,
 * error_data?, fbtrace_id}}`; this module names the codes users meet and says what to do about each.
 */
import { z } from 'zod';
import { KreoError, type ErrorCode } from '../../../shared/errors';

export const graphErrorBodySchema = z.object({
  error: z.object({
    message: z.string().default(''),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    is_transient: z.boolean().optional(),
    error_data: z.union([z.object({ details: z.string().optional() }).loose(), z.string()]).optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type GraphErrorBody = z.infer<typeof graphErrorBodySchema>;

/** What kind of trouble a code is: decides the KreoError code and whether a caller may retry. */
export type GraphErrorKind = 'transient' | 'rate' | 'auth' | 'permission' | 'param' | 'message' | 'other';

interface CodeInfo {
  kind: GraphErrorKind;
  title: string;
  hint: string;
}

const PERMISSION_HINT =
  'Give the token the whatsapp_business_messaging and whatsapp_business_management permissions (Business ' +
  'Settings → System users → Generate token), then save it with `kreo config set meta.accessToken …`.';

const CODES: Record<number, CodeInfo> = {
  1: { kind: 'transient', title: 'Unknown Graph API error', hint: 'A temporary problem at Meta; try again.' },
  2: {
    kind: 'transient',
    title: 'Graph API service unavailable',
    hint: 'A temporary problem at Meta; try again.',
  },
  4: {
    kind: 'rate',
    title: 'App request limit reached',
    hint: 'Too many API calls for this app; the queue slows down and retries. Lower rateLimit.messagesPerSecond if it persists.',
  },
  10: { kind: 'permission', title: 'Permission denied', hint: PERMISSION_HINT },
  15: {
    kind: 'auth',
    title: 'This call needs the app access token',
    hint: 'Check meta.appId and meta.appSecret: the app token is "<app id>|<app secret>".',
  },
  17: {
    kind: 'rate',
    title: 'User request limit reached',
    hint: 'Too many API calls for this token; wait a little and retry.',
  },
  100: {
    kind: 'param',
    title: 'Invalid parameter',
    hint: 'Check meta.appId, meta.wabaId and meta.phoneNumberId and the fields sent; Meta names the bad one in the message.',
  },
  190: {
    kind: 'auth',
    title: 'Access token expired or invalid',
    hint: 'Generate a new token (a system user token does not expire) and save it with `kreo config set meta.accessToken …`.',
  },
  368: {
    kind: 'permission',
    title: 'Temporarily blocked for policy violations',
    hint: 'Check Business Support Home for restrictions on the account.',
  },
  2200: {
    kind: 'other',
    title: 'Callback verification failed',
    hint: 'Meta could not verify the callback URL: the tunnel must be online and the listener must answer the handshake with the verify token.',
  },
  80007: {
    kind: 'rate',
    title: 'WhatsApp Business Account rate limit reached',
    hint: 'Too many calls for this WABA; the queue slows down and retries.',
  },
  130429: {
    kind: 'rate',
    title: 'Cloud API throughput reached',
    hint: "The number sends at most 80 messages/s by default; the queue slows down and retries. Set rateLimit.messagesPerSecond at or below your number's throughput.",
  },
  131000: { kind: 'transient', title: 'Something went wrong at Meta', hint: 'Try again.' },
  131005: { kind: 'permission', title: 'Access denied', hint: PERMISSION_HINT },
  131008: {
    kind: 'param',
    title: 'Required parameter missing',
    hint: 'Meta names the missing parameter in the details.',
  },
  131009: {
    kind: 'param',
    title: 'Parameter value not valid',
    hint: 'Check the recipient number (country code first, digits only) and the message fields.',
  },
  131026: {
    kind: 'message',
    title: 'Message undeliverable',
    hint: 'The recipient may not use WhatsApp, may run an old version or has not accepted the latest terms.',
  },
  131030: {
    kind: 'message',
    title: 'Recipient not in the allowed list',
    hint: 'With a test number, add the recipient under App Dashboard → WhatsApp → API Setup → To.',
  },
  131047: {
    kind: 'message',
    title: 'More than 24 hours since the customer last replied',
    hint: 'Outside the 24-hour window only template messages can be sent: use `kreo send --template NAME --language L`.',
  },
  131048: {
    kind: 'rate',
    title: 'Spam rate limit hit',
    hint: 'Meta limits this number because of low quality; check the quality rating (`kreo health`) and slow down.',
  },
  131049: {
    kind: 'message',
    title: 'Not delivered to maintain healthy ecosystem engagement',
    hint: 'Meta chose not to deliver this marketing message; do not retry it right away.',
  },
  131051: {
    kind: 'message',
    title: 'Unsupported message type',
    hint: 'Send a message type the Cloud API supports.',
  },
  131056: {
    kind: 'rate',
    title: 'Too many messages to the same recipient',
    hint: 'Meta allows about one message every 6 s to one user; the queue holds this recipient and retries.',
  },
  132000: {
    kind: 'param',
    title: 'Template parameter count mismatch',
    hint: 'Send as many body/header parameters as the template has placeholders.',
  },
  132001: {
    kind: 'param',
    title: 'Template does not exist',
    hint: 'Check the template name and language code (e.g. en_US) in WhatsApp Manager → Message templates; the template must be approved.',
  },
  133010: {
    kind: 'param',
    title: 'Phone number not registered',
    hint: 'Register the number with the Cloud API (POST /<phone-number-id>/register) before sending.',
  },
};

/** Codes the sender treats as "slow down and retry". */
export const THROTTLE_CODES: ReadonlySet<number> = new Set([4, 80007, 130429, 131056]);

export function graphCodeInfo(code: number): CodeInfo {
  const known = CODES[code];
  if (known) return known;
  if (code >= 200 && code <= 299)
    return { kind: 'permission', title: 'Permission missing', hint: PERMISSION_HINT };
  return {
    kind: 'other',
    title: 'Graph API error',
    hint: "See Meta's message and the fbtrace_id in webhook_config.log.",
  };
}

function kreoCodeFor(kind: GraphErrorKind): ErrorCode {
  switch (kind) {
    case 'rate':
      return 'META_RATE_LIMITED';
    case 'auth':
      return 'META_AUTH_FAILED';
    case 'permission':
      return 'META_PERMISSION_DENIED';
    default:
      return 'META_API_ERROR';
  }
}

/** Details every Graph error carries (non-secret): Meta's code, subcode, trace id and HTTP status. */
export interface GraphErrorDetails extends Record<string, unknown> {
  graphCode: number;
  graphSubcode?: number;
  graphType?: string;
  fbtraceId?: string;
  httpStatus: number;
  kind: GraphErrorKind;
  transient: boolean;
  metaDetails?: string;
}

/** Builds the typed error for a Graph error body. */
export function graphErrorToKreo(httpStatus: number, body: GraphErrorBody): KreoError {
  const e = body.error;
  const info = graphCodeInfo(e.code);
  const metaDetails =
    typeof e.error_data === 'string' ? e.error_data : (e.error_data?.details as string | undefined);
  const transient = info.kind === 'transient' || e.is_transient === true;
  const metaText = e.error_user_msg || e.message || info.title;
  const message = `${info.title} (Meta code ${e.code}${e.error_subcode ? `/${e.error_subcode}` : ''}): ${metaText}${
    metaDetails && !metaText.includes(metaDetails) ? ` — ${metaDetails}` : ''
  }`;
  const details: GraphErrorDetails = { graphCode: e.code, httpStatus, kind: info.kind, transient };
  if (e.error_subcode !== undefined) details.graphSubcode = e.error_subcode;
  if (e.type) details.graphType = e.type;
  if (e.fbtrace_id) details.fbtraceId = e.fbtrace_id;
  if (metaDetails) details.metaDetails = metaDetails;
  return new KreoError(kreoCodeFor(info.kind), message, info.hint, details);
}

/** A non-JSON or unexpected error answer (a proxy page, a bare 502…). */
export function httpErrorToKreo(httpStatus: number, snippet: string): KreoError {
  const transient = httpStatus >= 500 || httpStatus === 429;
  return new KreoError(
    transient ? 'META_UNREACHABLE' : 'META_API_ERROR',
    `The Graph API answered HTTP ${httpStatus}${snippet ? `: ${snippet.slice(0, 200)}` : ''}`,
    transient
      ? 'Meta (or a proxy on the way) had a temporary problem; try again in a moment.'
      : 'Check meta.graphBaseUrl and meta.graphApiVersion.',
    { httpStatus, transient, kind: transient ? 'transient' : 'other' },
  );
}

/** Meta's numeric code of a KreoError built here, if any. */
export function graphCodeOf(err: unknown): number | undefined {
  if (err instanceof KreoError && typeof err.details?.graphCode === 'number') return err.details.graphCode;
  return undefined;
}

export function isTransient(err: unknown): boolean {
  return err instanceof KreoError && err.details?.transient === true;
}
