/**
 * Replay: re-send a stored event to `forward.url`. As received: the original bytes and signature, the attempt
 * recorded on that event. Edited: the new body (non-ASCII escaped as Meta does) is re-signed with the app secret,
 * stored as a new event (source 'replay', never queued nor taken for a duplicate) and the attempt recorded there.
 */
import { KreoError } from '../../../shared/errors';
import type { ModuleLogger } from '../logging/types';
import type { EventStore } from './event-store';
import { withoutCredentials } from '../core/display-url';
import { forwardHeaders, sendEvent } from './forwarder';
import type { Ingestor } from './ingest';
import { escapeNonAscii } from './meta-json';
import { signBody } from './signature';

export interface ReplayDeps {
  store: () => EventStore | null;
  ingestor: Ingestor;
  forwardUrl: () => string;
  appSecret: () => string;
  fetch: typeof fetch;
  log: ModuleLogger;
  timeoutMs: number;
  onChanged: (ids: number[]) => void;
}

export interface ReplayResult {
  eventId: number;
  statusCode: number | null;
  error: string | null;
}

export async function replayEvent(deps: ReplayDeps, id: number, editedBody?: string): Promise<ReplayResult> {
  const store = deps.store();
  if (!store)
    throw new KreoError('STORE_UNAVAILABLE', undefined, 'See whatsapp.log for why the store is closed.');
  const url = deps.forwardUrl();
  if (!url) {
    throw new KreoError(
      'FORWARD_NOT_CONFIGURED',
      undefined,
      'Set forward.url to your app’s webhook URL, e.g. `kreo config set forward.url http://127.0.0.1:3000/webhook`.',
    );
  }
  const original = store.queries.getBody(id);
  if (!original)
    throw new KreoError(
      'EVENT_NOT_FOUND',
      `No stored event has id ${id}.`,
      'List ids with `kreo events list`.',
    );

  let targetId = id;
  let body = original.body;
  let headers = forwardHeaders(original);
  if (editedBody !== undefined) {
    try {
      JSON.parse(editedBody);
    } catch {
      throw new KreoError(
        'INVALID_ARGUMENT',
        'The edited body is not valid JSON.',
        'Fix the JSON and replay again.',
      );
    }
    body = Buffer.from(escapeNonAscii(editedBody), 'utf8');
    const secret = deps.appSecret();
    const kept: Record<string, string> = {
      'content-type': original.contentType || 'application/json',
      'x-kreo-replay-of': String(id),
    };
    if (secret) kept['x-hub-signature-256'] = signBody(secret, body);
    else deps.log.warning({ id }, 'replaying an edited body unsigned: meta.appSecret is not set');
    const stored = await deps.ingestor.ingest({
      receivedAt: Date.now(),
      body,
      headers: kept,
      contentType: kept['content-type']!,
      signature: secret ? 'valid' : 'unchecked',
      source: 'replay',
      pipeline: false,
    });
    targetId = stored.id;
    headers = forwardHeaders({ id: targetId, contentType: kept['content-type']!, headers: kept });
  }
  headers['x-kreo-replay'] = '1';

  const result = await sendEvent(deps.fetch, url, body, headers, deps.timeoutMs);
  await store.committer.write(
    () =>
      store.insertAttempt({
        deliveryId: targetId,
        at: Date.now(),
        target: withoutCredentials(url),
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error,
        replay: true,
      }),
    { durable: false },
  );
  deps.onChanged([targetId]);
  deps.log.info(
    {
      id,
      replayId: targetId,
      status: result.statusCode,
      error: result.error,
      edited: editedBody !== undefined,
    },
    `event ${id} replayed${targetId !== id ? ` as ${targetId} (edited, re-signed)` : ''}: ${result.error ?? `HTTP ${result.statusCode}`}`,
  );
  return { eventId: targetId, statusCode: result.statusCode, error: result.error };
}
