/**
 * Turns whatever a `window.kreo` call threw into the contract's ErrorInfo shape ({code, message, hint, details}),
 * so screens can show the message, the registry's hint and, for settings, the offending key.
 */
import { type ErrorInfo, isErrorCode } from '../../../shared/errors';

export interface UiError {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function toUiError(err: unknown): UiError {
  if (isRecord(err)) {
    const code = typeof err.code === 'string' ? err.code : 'INTERNAL';
    const message =
      typeof err.message === 'string' && err.message ? err.message : 'Something went wrong inside the panel.';
    const out: UiError = { code, message };
    if (typeof err.hint === 'string' && err.hint) out.hint = err.hint;
    if (isRecord(err.details)) out.details = err.details;
    return out;
  }
  return {
    code: 'INTERNAL',
    message: typeof err === 'string' ? err : 'Something went wrong inside the panel.',
  };
}

/** An ErrorInfo that came inside a result (tunnel lastError, test connection error). */
export function fromErrorInfo(info: ErrorInfo | { code: string; message: string; hint?: string }): UiError {
  return toUiError(info);
}

/** The settings key a server-side validation error points at, when it names one. */
export function errorSettingKey(err: UiError): string | null {
  const key = err.details?.key;
  return typeof key === 'string' ? key : null;
}

export function isKnownCode(code: string): boolean {
  return isErrorCode(code);
}
