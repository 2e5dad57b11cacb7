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

export const ERROR_CODES = {
  // generic
  BAD_REQUEST: 'The request was not understood.',
  INVALID_ARGUMENT: 'An argument was not valid.',
  NOT_FOUND: 'Nothing was found with that id.',
  INTERNAL: 'Something went wrong inside the panel.',
  UNAUTHORIZED: 'The request did not carry the host token.',
  FORBIDDEN: 'The request was refused.',
  TIMEOUT: 'The operation took too long.',
  UNAVAILABLE: 'The service is not available right now.',
  HOST_NOT_RUNNING: 'No KREO host is running.',
  // settings
  SETTINGS_INVALID: 'A setting has a value that is not allowed.',
  SETTINGS_READ_ONLY: 'This setting is written by the app only.',
  SETTINGS_UNKNOWN_KEY: 'There is no such setting.',
  SECRETS_UNAVAILABLE: 'The secret store could not be used.',
  SETTINGS_WRITE_FAILED: 'The settings could not be saved.',
  // tunnel
  TUNNEL_BUSY: 'The tunnel is already starting or stopping.',
  TUNNEL_NOT_RUNNING: 'The tunnel is not running.',
  TUNNEL_START_TIMEOUT: 'The tunnel did not come up in time.',
  TUNNEL_NO_NETWORK: 'The ngrok service could not be reached.',
  TUNNEL_AUTH_MISSING: 'No ngrok authtoken is configured.',
  TUNNEL_AUTH_INVALID: 'ngrok refused the authtoken.',
  TUNNEL_SESSION_LIMIT: 'Your ngrok account already has the maximum number of agent sessions.',
  TUNNEL_DOMAIN_NOT_ALLOWED: 'ngrok refused the domain.',
  TUNNEL_DOMAIN_IN_USE: 'The domain is already online in another session.',
  TUNNEL_UPSTREAM_DOWN: 'ngrok could not reach the local webhook listener.',
  TUNNEL_TLS: 'The TLS handshake with the ngrok server failed.',
  TUNNEL_FAILED: 'ngrok reported an error.',
  TUNNEL_TEST_FAILED: 'The round trip through the tunnel failed.',
  TUNNEL_CANCELLED: 'The tunnel start was cancelled by a stop request.',
  // webhook listener / store
  STORE_UNAVAILABLE: 'The event store could not write.',
  EVENT_NOT_FOUND: 'No stored event has that id.',
  FORWARD_NOT_CONFIGURED: 'No forward URL is configured.',
  FORWARD_FAILED: 'Forwarding the event failed.',
  WEBHOOK_VERIFY_FAILED: 'The verification handshake did not match.',
  WEBHOOK_SIGNATURE_MISSING: 'The request carried no X-Hub-Signature-256 header.',
  WEBHOOK_SIGNATURE_INVALID: 'The X-Hub-Signature-256 header does not match the body.',
  WEBHOOK_PAYLOAD_TOO_LARGE: 'The request body is larger than the listener accepts.',
  WEBHOOK_UNSUPPORTED_MEDIA_TYPE: 'The request body is not JSON.',
  WEBHOOK_MALFORMED_JSON: 'The request body is not valid JSON.',
  // meta
  META_NOT_CONFIGURED: 'Meta credentials are missing.',
  META_API_ERROR: 'The Graph API answered with an error.',
  META_UNREACHABLE: 'The Graph API could not be reached.',
  META_RATE_LIMITED: 'Meta is throttling requests.',
  META_AUTH_FAILED: 'Meta refused the access token.',
  META_PERMISSION_DENIED: 'The token lacks a permission this call needs.',
  REGISTER_PREFLIGHT_FAILED: 'The public URL did not answer like Meta expects.',
  REGISTER_FAILED: 'Meta did not accept the callback URL.',
  SEND_QUEUE_FULL: 'The outbound queue is full.',
  SEND_FAILED: 'The message could not be sent.',
  // redis
  REDIS_UNAVAILABLE: 'Redis could not be reached.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
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
