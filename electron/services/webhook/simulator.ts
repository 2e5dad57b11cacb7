/**
 * `kreo trigger KIND`: builds a realistic payload (Meta's shapes and escaping), signs it with the app secret and
 * POSTs it to the local listener, or through the tunnel's public URL, exactly as Meta would.
 */
import type { TriggerKind } from '../../../shared/domain/events';
import { KreoError } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';
import { callbackUrl } from '../core/callback-url';
import type { ModuleLogger } from '../logging/types';
import { sendEvent } from './forwarder';
import { payloadContext, triggerBody } from './meta-payloads';
import { signBody } from './signature';

export interface SimulatorDeps {
  settings: () => Settings;
  /** Local webhook URL, or null when the listener is not listening. */
  localUrl: () => string | null;
  /** The tunnel's public base URL, or null when it is down. */
  publicUrl: () => string | null;
  fetch: typeof fetch;
  log: ModuleLogger;
  timeoutMs?: number;
}

export interface TriggerResult {
  statusCode: number;
  eventId: number | null;
  target: string;
}

export async function triggerEvent(
  deps: SimulatorDeps,
  kind: TriggerKind,
  viaTunnel = false,
): Promise<TriggerResult> {
  const s = deps.settings();
  let target: string;
  if (viaTunnel) {
    const base = deps.publicUrl();
    if (!base) {
      throw new KreoError(
        'TUNNEL_NOT_RUNNING',
        'The tunnel is not running, so there is no public URL to send through.',
        'Start it with `kreo ngrok start`, or trigger without --via-tunnel.',
      );
    }
    target = callbackUrl(base, s.webhook.path);
  } else {
    const local = deps.localUrl();
    if (!local) {
      throw new KreoError(
        'UNAVAILABLE',
        'The webhook listener is not listening.',
        'Check server.port and server.host (`kreo config get server.port`; change with `kreo config set KEY VALUE`) and whatsapp.log.',
      );
    }
    target = local;
  }
  const body = Buffer.from(
    triggerBody(kind, payloadContext({ wabaId: s.meta.wabaId, phoneNumberId: s.meta.phoneNumberId })),
  );
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'facebookexternalua',
    'x-kreo-source': 'trigger',
  };
  if (s.meta.appSecret) headers['x-hub-signature-256'] = signBody(s.meta.appSecret, body);
  const result = await sendEvent(deps.fetch, target, body, headers, deps.timeoutMs ?? 15_000);
  if (result.statusCode === null) {
    deps.log.warning({ kind, target, error: result.error }, `trigger ${kind} could not be sent`);
    throw new KreoError(
      viaTunnel ? 'TUNNEL_TEST_FAILED' : 'UNAVAILABLE',
      `Sending the ${kind} event to ${target} failed: ${result.error}`,
      viaTunnel ? 'Check the tunnel with `kreo ngrok status`.' : 'Check whatsapp.log.',
    );
  }
  // The listener names the stored event in a response header (also through the tunnel).
  const header = result.headers?.get('x-kreo-event-id') ?? '';
  const eventId = /^\d+$/.test(header) ? Number(header) : null;
  deps.log.info(
    { kind, target, status: result.statusCode, eventId },
    `trigger ${kind} sent${viaTunnel ? ' through the tunnel' : ''}: HTTP ${result.statusCode}`,
  );
  return { statusCode: result.statusCode, eventId, target };
}
