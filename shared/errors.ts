/**
 * The error registry: every error that crosses a boundary (IPC, control API, CLI output) has a code from here,
 * a message saying what happened and a hint saying what to do next.
 */

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint?: string;
  /** Extra, non-secret, structured detail (e.g. the settings key, ngrok's ERR_NGROK_ code, Meta's error code). */
  details?: Record<string, unknown>;
}

/**
 * What a code means at every boundary: the default message; the HTTP status the control API (and the webhook
 * listener) answers with; `usage` when it is caused by what the user typed (the CLI exits 2). Adding a code means
 * choosing all three here.
 */
export interface ErrorDefinition {
  readonly message: string;
  readonly httpStatus: number;
  readonly usage?: true;
}

export const ERROR_DEFINITIONS = {
  // generic
  BAD_REQUEST: { message: 'The request was not understood.', httpStatus: 400, usage: true },
  INVALID_ARGUMENT: { message: 'An argument was not valid.', httpStatus: 400, usage: true },
  NOT_FOUND: { message: 'Nothing was found with that id.', httpStatus: 404 },
  INTERNAL: { message: 'Something went wrong inside the panel.', httpStatus: 500 },
  UNAUTHORIZED: { message: 'The request did not carry the host token.', httpStatus: 401 },
  FORBIDDEN: { message: 'The request was refused.', httpStatus: 403 },
  TIMEOUT: { message: 'The operation took too long.', httpStatus: 504 },
  UNAVAILABLE: { message: 'The service is not available right now.', httpStatus: 503 },
  HOST_NOT_RUNNING: { message: 'No KREO host is running.', httpStatus: 503 },
  // settings
  SETTINGS_INVALID: { message: 'A setting has a value that is not allowed.', httpStatus: 400, usage: true },
  SETTINGS_READ_ONLY: { message: 'This setting is written by the app only.', httpStatus: 403, usage: true },
  SETTINGS_UNKNOWN_KEY: { message: 'There is no such setting.', httpStatus: 400, usage: true },
  SECRETS_UNAVAILABLE: { message: 'The secret store could not be used.', httpStatus: 503 },
  SETTINGS_WRITE_FAILED: { message: 'The settings could not be saved.', httpStatus: 500 },
  // tunnel
  TUNNEL_BUSY: { message: 'The tunnel is already starting or stopping.', httpStatus: 409 },
  TUNNEL_NOT_RUNNING: { message: 'The tunnel is not running.', httpStatus: 409 },
  TUNNEL_START_TIMEOUT: { message: 'The tunnel did not come up in time.', httpStatus: 504 },
  TUNNEL_NO_NETWORK: { message: 'The ngrok service could not be reached.', httpStatus: 502 },
  TUNNEL_AUTH_MISSING: { message: 'No ngrok authtoken is configured.', httpStatus: 409 },
  TUNNEL_AUTH_INVALID: { message: 'ngrok refused the authtoken.', httpStatus: 502 },
  TUNNEL_SESSION_LIMIT: {
    message: 'Your ngrok account already has the maximum number of agent sessions.',
    httpStatus: 502,
  },
  TUNNEL_DOMAIN_NOT_ALLOWED: { message: 'ngrok refused the domain.', httpStatus: 502 },
  TUNNEL_DOMAIN_IN_USE: { message: 'The domain is already online in another session.', httpStatus: 502 },
  TUNNEL_UPSTREAM_DOWN: { message: 'ngrok could not reach the local webhook listener.', httpStatus: 502 },
  TUNNEL_TLS: { message: 'The TLS handshake with the ngrok server failed.', httpStatus: 502 },
  TUNNEL_FAILED: { message: 'ngrok reported an error.', httpStatus: 502 },
  TUNNEL_TEST_FAILED: { message: 'The round trip through the tunnel failed.', httpStatus: 502 },
  TUNNEL_CANCELLED: { message: 'The tunnel start was cancelled by a stop request.', httpStatus: 502 },
  // webhook listener / store
  STORE_UNAVAILABLE: { message: 'The event store could not write.', httpStatus: 503 },
  EVENT_NOT_FOUND: { message: 'No stored event has that id.', httpStatus: 404 },
  FORWARD_NOT_CONFIGURED: { message: 'No forward URL is configured.', httpStatus: 409 },
  FORWARD_FAILED: { message: 'Forwarding the event failed.', httpStatus: 502 },
  WEBHOOK_VERIFY_FAILED: { message: 'The verification handshake did not match.', httpStatus: 403 },
  WEBHOOK_SIGNATURE_MISSING: {
    message: 'The request carried no X-Hub-Signature-256 header.',
    httpStatus: 401,
  },
  WEBHOOK_SIGNATURE_INVALID: {
    message: 'The X-Hub-Signature-256 header does not match the body.',
    httpStatus: 401,
  },
  WEBHOOK_PAYLOAD_TOO_LARGE: {
    message: 'The request body is larger than the listener accepts.',
    httpStatus: 413,
  },
  WEBHOOK_UNSUPPORTED_MEDIA_TYPE: { message: 'The request body is not JSON.', httpStatus: 415 },
  WEBHOOK_MALFORMED_JSON: { message: 'The request body is not valid JSON.', httpStatus: 400 },
  // meta
  META_NOT_CONFIGURED: { message: 'Meta credentials are missing.', httpStatus: 409 },
  META_API_ERROR: { message: 'The Graph API answered with an error.', httpStatus: 502 },
  META_UNREACHABLE: { message: 'The Graph API could not be reached.', httpStatus: 502 },
  META_RATE_LIMITED: { message: 'Meta is throttling requests.', httpStatus: 429 },
  META_AUTH_FAILED: { message: 'Meta refused the access token.', httpStatus: 502 },
  META_PERMISSION_DENIED: { message: 'The token lacks a permission this call needs.', httpStatus: 502 },
  REGISTER_PREFLIGHT_FAILED: { message: 'The public URL did not answer like Meta expects.', httpStatus: 502 },
  REGISTER_FAILED: { message: 'Meta did not accept the callback URL.', httpStatus: 502 },
  SEND_QUEUE_FULL: { message: 'The outbound queue is full.', httpStatus: 429 },
  SEND_FAILED: { message: 'The message could not be sent.', httpStatus: 502 },
  // redis
  REDIS_UNAVAILABLE: { message: 'Redis could not be reached.', httpStatus: 503 },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_DEFINITIONS;

/** code → default message (the renderer's message catalogue and older callers read this). */
export const ERROR_CODES = Object.fromEntries(
  Object.entries(ERROR_DEFINITIONS).map(([code, def]) => [code, def.message]),
) as { readonly [C in ErrorCode]: (typeof ERROR_DEFINITIONS)[C]['message'] };

/** The HTTP status for a code; 500 for a string that is not a code of this registry. */
export function httpStatusOf(code: string): number {
  return isErrorCode(code) ? ERROR_DEFINITIONS[code].httpStatus : 500;
}

/** True for codes caused by what the user typed (bad arguments, refused settings): the CLI exits 2. */
export function isUsageError(code: string): boolean {
  return isErrorCode(code) && (ERROR_DEFINITIONS[code] as ErrorDefinition).usage === true;
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_DEFINITIONS, code);
}

/** A typed error any layer can throw; adapters serialise it with `toErrorInfo`. */
export class KreoError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, hint?: string, details?: Record<string, unknown>) {
    super(message ?? ERROR_CODES[code]);
    this.name = 'KreoError';
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  static from(info: ErrorInfo): KreoError {
    return new KreoError(
      isErrorCode(info.code) ? info.code : 'INTERNAL',
      info.message,
      info.hint,
      info.details,
    );
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.hint) info.hint = this.hint;
    if (this.details) info.details = this.details;
    return info;
  }
}

/** Anything thrown → an ErrorInfo safe to send across a boundary (no stack traces, no raw internals). */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof KreoError) return err.toInfo();
  return {
    code: 'INTERNAL',
    message: ERROR_CODES.INTERNAL,
    hint: 'See whatsapp.log for details (kreo ngrok logs --file whatsapp).',
  };
}

/** The envelope every request returns across IPC and the control API. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
