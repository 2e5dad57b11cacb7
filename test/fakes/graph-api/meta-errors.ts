/** Meta's error answers as the Graph API writes them: `{error:{message, type, code, error_subcode?, error_data?, fbtrace_id}}`. */
import { randomBytes } from 'node:crypto';

export interface MetaErrorSpec {
  message: string;
  code: number;
  type?: string;
  subcode?: number;
  details?: string;
  isTransient?: boolean;
}

export interface MetaErrorAnswer {
  status: number;
  body: { error: Record<string, unknown> };
}

export function fbtraceId(): string {
  return randomBytes(8).toString('base64url');
}

export function metaError(status: number, spec: MetaErrorSpec): MetaErrorAnswer {
  const error: Record<string, unknown> = {
    message: spec.message,
    type: spec.type ?? 'OAuthException',
    code: spec.code,
  };
  if (spec.subcode !== undefined) error.error_subcode = spec.subcode;
  if (spec.details !== undefined) error.error_data = { messaging_product: 'whatsapp', details: spec.details };
  if (spec.isTransient !== undefined) error.is_transient = spec.isTransient;
  error.fbtrace_id = fbtraceId();
  return { status, body: { error } };
}

export const errors = {
  noToken: () =>
    metaError(400, {
      message: 'An active access token must be used to query information about the current user.',
      code: 2500,
    }),
  badToken: () =>
    metaError(401, { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 }),
  expiredToken: () =>
    metaError(401, {
      message: 'Error validating access token: Session has expired on Friday, 27-Nov-26 10:00:00 PST.',
      code: 190,
      subcode: 463,
    }),
  needsAppToken: () =>
    metaError(400, { message: '(#15) This method must be called with an app access_token.', code: 15 }),
  missingScope: (scope: string) =>
    metaError(403, { message: `(#200) Requires ${scope} permission to manage the object`, code: 200 }),
  unknownObject: (id: string) =>
    metaError(400, {
      message: `Unsupported request - method type: ${'get'}. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      code: 100,
      subcode: 33,
      type: 'GraphMethodException',
    }),
  unknownPath: (path: string) => metaError(400, { message: `Unknown path components: ${path}`, code: 2500 }),
  badVersion: () =>
    metaError(400, {
      message: 'An unknown or unsupported API version was requested (use /vNN.N/).',
      code: 2635,
    }),
  param: (message: string, code = 100) => metaError(400, { message: `(#${code}) ${message}`, code }),
  handshakeFailed: (reason: string) =>
    metaError(400, {
      message: `(#2200) Callback verification failed with the following errors: ${reason}`,
      code: 2200,
    }),
  throughput: () =>
    metaError(400, {
      message: '(#130429) Rate limit hit',
      code: 130429,
      details: 'Cloud API message throughput has been reached.',
    }),
  templateMissing: (name: string, language: string) =>
    metaError(404, {
      message: '(#132001) Template name does not exist in the translation',
      code: 132001,
      details: `template name (${name}) does not exist in ${language}`,
    }),
  server: () =>
    metaError(500, {
      message: 'An unexpected error has occurred. Please retry your request later.',
      code: 2,
      isTransient: true,
    }),
};
