/**
 * Health checks for what surrounds Meta: Redis, the tunnel, the webhook registration, the listener, the store's
 * disk and where secrets are kept. Each returns ok / warning / failed / not_configured with a detail and a hint.
 */
import { stat } from 'node:fs/promises';
import type { WebhookStatus } from '../../../shared/domain/meta';
import { withoutCredentials } from '../core/display-url';
import type { TunnelService } from '../tunnel/types';
import type { Settings } from '../../../shared/settings-schema';
import type { CheckResult } from './health-meta';
import type { ListenerProbe, RedisProbe, StoreProbe } from './health-probes';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export async function checkRedis(s: Settings, probe: RedisProbe | undefined): Promise<CheckResult> {
  if (!s.redis.url) {
    return {
      state: 'not_configured',
      detail: 'No Redis is configured; events are kept in the local store only.',
      hint: 'Set redis.url (e.g. redis://127.0.0.1:6379/0) to queue events for workers and share the send rate.',
    };
  }
  if (!probe) return { state: 'not_configured', detail: 'Redis cannot be checked in this process.' };
  const r = await probe();
  const data = {
    latencyMs: r.latencyMs,
    streamLength: r.streamLength,
    backlog: r.backlog,
    stream: s.redis.stream,
  };
  if (!r.reachable) {
    return {
      state: 'failed',
      detail: `Redis at ${withoutCredentials(s.redis.url)} does not answer${r.error ? ` (${r.error})` : ''}.`,
      hint: 'Start Redis or correct redis.url. Accepted events stay in the store and are queued when it answers again.',
      data,
    };
  }
  if (r.backlog && r.backlog > 0) {
    return {
      state: 'warning',
      detail: 'Redis answers, but accepted events are waiting to be queued.',
      hint: 'They are queued in order as Redis keeps up; if the backlog grows, check Redis memory and whatsapp.log.',
      data,
    };
  }
  if (r.latencyMs !== null && r.latencyMs > 50) {
    return {
      state: 'warning',
      detail: 'Redis answers slowly.',
      hint: 'Check the Redis host and network.',
      data,
    };
  }
  return { state: 'ok', detail: `Redis answers; stream ${s.redis.stream} is readable.`, data };
}

export async function checkTunnel(
  s: Settings,
  tunnel: Pick<TunnelService, 'status' | 'testConnection'>,
): Promise<CheckResult> {
  const st = tunnel.status();
  const data: Record<string, unknown> = { state: st.state, url: st.url, connection: st.connection };
  if (st.state === 'stopped') {
    if (!s.ngrok.authtoken) {
      return {
        state: 'not_configured',
        detail: 'No ngrok authtoken is set and the tunnel is stopped.',
        hint: 'Run `kreo ngrok configure --authtoken …`, then `kreo ngrok start`.',
        data,
      };
    }
    return {
      state: 'warning',
      detail: 'The tunnel is stopped.',
      hint: 'Start it with `kreo ngrok start`.',
      data,
    };
  }
  if (st.state === 'error') {
    return {
      state: 'failed',
      detail: `The tunnel failed: ${st.lastError?.message ?? 'unknown error'}`,
      hint: st.lastError?.hint ?? 'See `kreo ngrok logs`.',
      data,
    };
  }
  if (st.state !== 'online') return { state: 'warning', detail: `The tunnel is ${st.state}.`, data };
  const t = await tunnel.testConnection();
  data.roundTripMs = t.roundTripMs;
  data.statusCode = t.statusCode;
  if (!t.ok || !t.challengeMatched) {
    return {
      state: 'failed',
      detail: `The tunnel is online at ${st.url}, but the round trip failed${t.error ? `: ${t.error.message}` : ''}.`,
      hint:
        t.error?.hint ?? 'Check that the listener runs on server.port and that the tunnel forwards to it.',
      data,
    };
  }
  if (st.connection === 'reconnecting') {
    return { state: 'warning', detail: `The tunnel at ${st.url} is reconnecting.`, data };
  }
  if (t.roundTripMs !== null && t.roundTripMs > 3_000) {
    return {
      state: 'warning',
      detail: `The round trip through ${st.url} is slow; Meta gives up after about 6 s.`,
      hint: 'Check the network and the ngrok region.',
      data,
    };
  }
  return { state: 'ok', detail: `The tunnel is online at ${st.url} and answers the handshake.`, data };
}

export async function checkWebhook(s: Settings, status: () => Promise<WebhookStatus>): Promise<CheckResult> {
  if (!s.meta.appId || !s.meta.verifyToken) {
    return {
      state: 'not_configured',
      detail: 'Registration needs meta.appId, meta.appSecret and meta.verifyToken.',
      hint: 'Set them in Settings → Meta, then `kreo webhook register`.',
    };
  }
  const st = await status();
  const data = {
    scope: st.scope,
    expectedUrl: st.expectedUrl,
    metaUrl: st.metaUrl,
    registeredUrl: st.registeredUrl,
  };
  if (!st.registered) {
    return {
      state: 'not_configured',
      detail: st.metaUrl
        ? `The panel has not registered; Meta sends ${st.scope}-level events to ${st.metaUrl}.`
        : 'The panel has not registered a callback with Meta.',
      hint: 'Run `kreo webhook register` (or turn on webhook.autoRegister).',
      data,
    };
  }
  if (!st.expectedUrl) {
    return {
      state: 'failed',
      detail: `Meta's callback is ${st.metaUrl ?? st.registeredUrl}, but the tunnel is not online: events fail and Meta retries them.`,
      hint: 'Start the tunnel, or run `kreo webhook unregister` to put the previous callback back.',
      data,
    };
  }
  if (st.matches === null) {
    return { state: 'warning', detail: `Meta could not be asked. ${st.detail ?? ''}`.trim(), data };
  }
  if (!st.matches) {
    return {
      state: 'failed',
      detail: st.metaUrl
        ? `Meta sends events to ${st.metaUrl}, not to the tunnel (${st.expectedUrl}).`
        : `Meta has no ${st.scope}-level callback; the tunnel expects ${st.expectedUrl}.`,
      hint: 'Run `kreo webhook register` to point Meta at the tunnel again.',
      data,
    };
  }
  return { state: 'ok', detail: `Meta sends ${st.scope}-level events to ${st.expectedUrl}.`, data };
}

export async function checkListener(probe: ListenerProbe | undefined): Promise<CheckResult> {
  if (!probe) return { state: 'not_configured', detail: 'The listener cannot be checked in this process.' };
  const r = await probe();
  const data = { url: r.url, statusCode: r.statusCode, latencyMs: r.latencyMs };
  if (!r.listening) {
    return {
      state: 'failed',
      detail: `Nothing answers at ${r.url}${r.error ? ` (${r.error})` : ''}.`,
      hint: 'Start the panel (`kreo serve`) or free server.port.',
      data,
    };
  }
  if (r.handshakeOk === false) {
    return {
      state: 'warning',
      detail: `Something answers at ${r.url} but not Meta's handshake (HTTP ${r.statusCode}).`,
      hint: 'Set meta.verifyToken, and check that no other program uses server.port.',
      data,
    };
  }
  return { state: 'ok', detail: `The listener answers the handshake at ${r.url}.`, data };
}

export async function checkStore(probe: StoreProbe | undefined): Promise<CheckResult> {
  if (!probe) return { state: 'not_configured', detail: 'The store cannot be checked in this process.' };
  const r = await probe();
  const data = { path: r.path, freeBytes: r.freeBytes, totalBytes: r.totalBytes };
  const free = `${(r.freeBytes / GiB).toFixed(1)} GiB free`;
  if (r.error || !r.writable) {
    return {
      state: 'failed',
      detail: `The store folder ${r.path} is not writable${r.error ? ` (${r.error})` : ''}: the listener answers 503 so Meta retries.`,
      hint: 'Fix the folder permissions or free the disk.',
      data,
    };
  }
  if (r.freeBytes < 200 * MiB) {
    return {
      state: 'failed',
      detail: 'The disk holding the store is nearly full.',
      hint: 'Free disk space or lower store.retentionCount / store.retentionDays.',
      data: { ...data, free },
    };
  }
  if (r.freeBytes < 2 * GiB) {
    return {
      state: 'warning',
      detail: 'The disk holding the store is getting full.',
      hint: 'Free some disk space.',
      data: { ...data, free },
    };
  }
  return { state: 'ok', detail: `The store at ${r.path} is writable.`, data: { ...data, free } };
}

export async function checkSecrets(
  backend: 'keychain' | 'file',
  secretsFile: string | undefined,
): Promise<CheckResult> {
  if (backend === 'keychain')
    return { state: 'ok', detail: 'Secrets are kept in the OS keychain.', data: { backend } };
  if (!secretsFile) {
    return {
      state: 'ok',
      detail: 'No OS keychain is available; secrets are kept in a file readable by you only.',
      data: { backend },
    };
  }
  try {
    const mode = (await stat(secretsFile)).mode & 0o777;
    const data = { backend, file: secretsFile, mode: `0${mode.toString(8)}` };
    if (process.platform !== 'win32' && mode & 0o077) {
      return {
        state: 'failed',
        detail: `${secretsFile} can be read by other users (mode 0${mode.toString(8)}).`,
        hint: `Run \`chmod 600 "${secretsFile}"\`.`,
        data,
      };
    }
    return {
      state: 'ok',
      detail: `No OS keychain is available; secrets are kept in ${secretsFile} (mode 0600).`,
      data,
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return {
        state: 'ok',
        detail: 'No OS keychain is available; no secrets are stored yet.',
        data: { backend, file: secretsFile },
      };
    }
    return {
      state: 'warning',
      detail: `Could not inspect ${secretsFile}: ${(err as Error).message}`,
      data: { backend },
    };
  }
}
