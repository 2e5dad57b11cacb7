/** Maps an error code from the registry to the HTTP status the control API answers with (the body is the Result). */
import type { ErrorCode } from '../../../shared/errors';

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  INVALID_ARGUMENT: 400,
  SETTINGS_INVALID: 400,
  SETTINGS_UNKNOWN_KEY: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  SETTINGS_READ_ONLY: 403,
  NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  TUNNEL_BUSY: 409,
  TUNNEL_NOT_RUNNING: 409,
  TUNNEL_AUTH_MISSING: 409,
  META_NOT_CONFIGURED: 409,
  FORWARD_NOT_CONFIGURED: 409,
  SEND_QUEUE_FULL: 429,
  META_RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  HOST_NOT_RUNNING: 503,
  STORE_UNAVAILABLE: 503,
  SECRETS_UNAVAILABLE: 503,
  REDIS_UNAVAILABLE: 503,
  TIMEOUT: 504,
  TUNNEL_START_TIMEOUT: 504,
};

/** Everything not listed is a failure of something outside the host (ngrok, Meta, the forward target): 502. */
export function httpStatusFor(code: string): number {
  return STATUS[code as ErrorCode] ?? 502;
}
