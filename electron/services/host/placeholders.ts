/**
 * Temporary handlers for request channels whose domain has not landed yet: each throws KreoError UNAVAILABLE.
 * The host fills every channel nobody implements with one of these, so `Handlers` is always complete; the list of
 * channels still on a placeholder is exposed as `host.unavailableChannels`.
 */
import { REQUEST_CHANNELS, type Handlers, type RequestChannel } from '../../../shared/contract';
import { KreoError } from '../../../shared/errors';

export function unavailableHandler(channel: RequestChannel): () => Promise<never> {
  return async () => {
    throw new KreoError(
      'UNAVAILABLE',
      `"${channel}" is not available in this build yet.`,
      'Update KREO WhatsApp Panel; this feature is still being built.',
      { channel },
    );
  };
}

/** Merges handler groups (later groups win) and fills the gaps with placeholders. */
export function completeHandlers(groups: Partial<Handlers>[]): {
  handlers: Handlers;
  unavailable: RequestChannel[];
} {
  const merged: Partial<Record<RequestChannel, unknown>> = {};
  for (const group of groups) Object.assign(merged, group);
  const unavailable: RequestChannel[] = [];
  for (const channel of REQUEST_CHANNELS) {
    if (typeof merged[channel] !== 'function') {
      merged[channel] = unavailableHandler(channel);
      unavailable.push(channel);
    }
  }
  return { handlers: merged as Handlers, unavailable };
}
