import { afterEach, describe, expect, it, vi } from 'vitest';
import { REQUEST_CHANNELS } from '../../shared/contract';
import type { KreoApi } from '../../shared/kreo-api';
import { resetFakeElectron, state } from '../main/testing/fake-electron';
import { IPC_INVOKE, IPC_PUSH } from './ipc-channels';
import { createPreloadKreo, type PreloadTransport } from './kreo-bridge';

vi.mock('electron', async () => (await import('../main/testing/fake-electron')).fakeElectron());

afterEach(() => {
  resetFakeElectron();
  vi.resetModules();
});

function transport(answer: (channel: string, input: unknown) => unknown) {
  let push: (batch: unknown) => void = () => {};
  const t: PreloadTransport = {
    invoke: async (channel, input) => answer(channel, input),
    onPush: (listener) => (push = listener),
  };
  return { t, push: (batch: unknown) => push(batch) };
}

describe('preload window.kreo', () => {
  it('exposes window.kreo through contextBridge, never ipcRenderer', async () => {
    await import('./index');
    expect([...state.exposed.keys()]).toEqual(['kreo']);
    const kreo = state.exposed.get('kreo') as KreoApi & Record<string, unknown>;
    expect(Object.keys(kreo)).not.toContain('ipcRenderer');
    const namespaces = [...new Set(REQUEST_CHANNELS.map((c) => c.split(':')[0]))];
    expect(Object.keys(kreo).sort()).toEqual([...namespaces, 'on'].sort());
    // A contract call goes out on the one generic channel with [channel, input].
    await kreo.tunnel.start({ port: 8000 });
    expect(state.ipcRendererInvokes).toEqual([[IPC_INVOKE, 'tunnel:start', { port: 8000 }]]);
    expect(state.ipcRendererListeners.has(IPC_PUSH)).toBe(true);
  });

  it('has a named function for every request channel', () => {
    const { t } = transport(() => ({ ok: true, value: null }));
    const kreo = createPreloadKreo(t) as unknown as Record<string, Record<string, unknown>>;
    for (const channel of REQUEST_CHANNELS) {
      const [ns, method] = channel.split(':') as [string, string];
      expect(typeof kreo[ns]?.[method], channel).toBe('function');
    }
  });

  it('resolves with the value of an ok Result', async () => {
    const { t } = transport((channel, input) => ({ ok: true, value: { channel, input } }));
    const kreo = createPreloadKreo(t);
    await expect(kreo.events.get({ id: 4 })).resolves.toEqual({ channel: 'events:get', input: { id: 4 } });
  });

  it('rethrows a failed Result as a KreoError-shaped object that keeps code and hint', async () => {
    const { t } = transport(() => ({
      ok: false,
      error: {
        code: 'TUNNEL_AUTH_MISSING',
        message: 'No ngrok authtoken is configured.',
        hint: 'kreo ngrok configure',
      },
    }));
    const err = await createPreloadKreo(t)
      .tunnel.start()
      .catch((e: unknown) => e);
    expect(err).toEqual({
      name: 'KreoError',
      code: 'TUNNEL_AUTH_MISSING',
      message: 'No ngrok authtoken is configured.',
      hint: 'kreo ngrok configure',
    });
    // Plain data: survives contextBridge's structured copy with every field.
    expect(structuredClone(err)).toEqual(err);
  });

  it('maps transport failures and malformed answers to typed errors', async () => {
    const broken = createPreloadKreo({
      invoke: () => Promise.reject(new Error('Error invoking remote method')),
      onPush: () => {},
    });
    await expect(broken.host.info()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const { t } = transport(() => 'nonsense');
    await expect(createPreloadKreo(t).host.info()).rejects.toMatchObject({ code: 'INTERNAL' });
    const { t: t2 } = transport(() => ({ ok: false, error: { code: 'NOT_A_CODE', message: 'x' } }));
    await expect(createPreloadKreo(t2).host.info()).rejects.toMatchObject({ code: 'INTERNAL', message: 'x' });
  });

  it('delivers pushed batches to subscribers until they unsubscribe', () => {
    const { t, push } = transport(() => null);
    const kreo = createPreloadKreo(t);
    const seen: unknown[] = [];
    const off = kreo.on('tunnel:status', (p) => seen.push(p.state));
    const offOther = kreo.on('logs:lines', () => seen.push('logs'));
    push([
      { event: 'tunnel:status', payload: { state: 'starting' } },
      { event: 'tunnel:status', payload: { state: 'online' } },
      { event: 'not:an-event', payload: 1 },
    ]);
    off();
    push([{ event: 'tunnel:status', payload: { state: 'stopped' } }]);
    push('garbage');
    expect(seen).toEqual(['starting', 'online']);
    offOther();
  });

  it('keeps delivering to other listeners when one throws', () => {
    const { t, push } = transport(() => null);
    const kreo = createPreloadKreo(t);
    const seen: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    kreo.on('health:changed', () => {
      throw new Error('boom');
    });
    kreo.on('health:changed', () => seen.push('second'));
    push([{ event: 'health:changed', payload: {} }]);
    expect(seen).toEqual(['second']);
    expect(spy).toHaveBeenCalled();
  });
});
