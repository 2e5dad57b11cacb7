/**
 * `window.kreo` for the Electron window, built with the contract's `buildKreoApi` over two IPC primitives (kept
 * behind a small transport interface so this file never sees ipcRenderer and is unit-testable).
 *
 * Errors: main answers every request with a `Result`; a failure is rethrown as a KreoError-shaped plain object
 * `{name: 'KreoError', code, message, hint?, details?}`. A plain object, because contextBridge copies Error objects
 * with their message only (code and hint would be lost), while plain data crosses intact.
 */
import { isErrorCode, type ErrorInfo } from '../../shared/errors';
import { buildKreoApi, type KreoApi } from '../../shared/kreo-api';
import { PushListeners } from '../../shared/push-listeners';
import type { PushMessage } from './ipc-channels';

export interface PreloadTransport {
  /** Sends `[channel, input]` on the invoke channel; resolves with main's answer (a Result). */
  invoke(channel: string, input: unknown): Promise<unknown>;
  /** Registers the one listener for pushed batches. */
  onPush(listener: (batch: unknown) => void): void;
}

export interface CrossingError extends ErrorInfo {
  name: 'KreoError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** A rejected value that survives contextBridge with its code and hint. */
export function crossingError(info: unknown): CrossingError {
  if (isRecord(info) && typeof info.code === 'string' && typeof info.message === 'string') {
    const out: CrossingError = {
      name: 'KreoError',
      code: isErrorCode(info.code) ? info.code : 'INTERNAL',
      message: info.message,
    };
    if (typeof info.hint === 'string') out.hint = info.hint;
    if (isRecord(info.details)) out.details = info.details;
    return out;
  }
  return { name: 'KreoError', code: 'INTERNAL', message: 'The panel received a malformed answer.' };
}

export function createPreloadKreo(transport: PreloadTransport): KreoApi {
  // One faulty screen must not stop the others from getting the event.
  const listeners = new PushListeners({
    onListenerError: (err, event) => console.error(`kreo: a listener of ${event} threw`, err),
  });

  transport.onPush((batch) => {
    if (!Array.isArray(batch)) return;
    for (const item of batch as PushMessage[]) {
      if (isRecord(item)) listeners.dispatch(item.event, item.payload);
    }
  });

  return buildKreoApi(
    async (channel, input) => {
      let answer: unknown;
      try {
        answer = await transport.invoke(channel, input);
      } catch {
        throw crossingError({ code: 'UNAVAILABLE', message: 'The panel could not reach the app.' });
      }
      if (isRecord(answer) && answer.ok === true && 'value' in answer) return answer.value;
      if (isRecord(answer) && answer.ok === false) throw crossingError(answer.error);
      throw crossingError(null);
    },
    (event, listener) => listeners.add(event, listener),
  );
}
