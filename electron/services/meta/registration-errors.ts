/** The registration's own errors, each with what to do about it. */
import { KreoError, toErrorInfo } from '../../../shared/errors';
import { graphCodeOf } from './graph-errors';

export function tunnelNotOnline(): KreoError {
  return new KreoError(
    'TUNNEL_NOT_RUNNING',
    'The tunnel is not online, so there is no public URL to register.',
    'Start it with `kreo ngrok start` (or the Start button), then register.',
  );
}

/** Meta refused to save `url`: its own verification failing (2200) gets a hint about reaching the URL. */
export function registerError(err: unknown, url: string): KreoError {
  if (graphCodeOf(err) === 2200 && err instanceof KreoError) {
    return new KreoError(
      'REGISTER_FAILED',
      `Meta could not verify ${url}: ${err.message}`,
      'The preflight passed from this machine, so check that Meta can reach the URL: it must be public HTTPS with a trusted certificate, and answer within about 6 s.',
      err.details,
    );
  }
  return err instanceof KreoError ? err : new KreoError('REGISTER_FAILED', `Registration failed for ${url}.`);
}

/** Putting back `previousUrl` (or removing the panel's callback when there was none) failed. */
export function restoreError(err: unknown, previousUrl: string | undefined): KreoError {
  const info = toErrorInfo(err);
  return new KreoError(
    'REGISTER_FAILED',
    previousUrl
      ? `Could not restore the previous callback ${previousUrl}: ${info.message}`
      : `Could not remove the panel's callback: ${info.message}`,
    previousUrl
      ? `Meta verifies the restored URL with meta.verifyToken; if that endpoint uses another token, set it back in App Dashboard → WhatsApp → Configuration. The next unregister then only forgets it.`
      : info.hint,
    { ...(info.details ?? {}), previousUrl: previousUrl ?? null },
  );
}
