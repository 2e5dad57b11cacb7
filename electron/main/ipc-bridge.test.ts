import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { createInvoke } from '../services/host/invoke';
import { completeHandlers } from '../services/host/placeholders';
import { IPC_INVOKE } from '../preload/ipc-channels';
import { resolveAppPaths } from './app-paths';
import { bindKreoIpc, type InvokeDispatcher } from './ipc-bridge';
import { resetFakeElectron, state } from './testing/fake-electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

const paths = resolveAppPaths('/opt/kreo/app.asar', { packaged: true });
const PANEL = 'file:///opt/kreo/app.asar/out/renderer/index.html';
const WINDOW_ID = 7;
const INFO = {
  version: '0.1.0',
  mode: 'desktop',
  pid: 1,
  home: '/home/u/.config/KREO WhatsApp Panel',
  startedAt: '2026-11-28T10:00:00.000Z',
  webhookUrl: 'http://127.0.0.1:8000/webhook',
  listening: true,
};

/** A fake IPC event as Electron builds it for the handler. */
function ipcEvent(opts: { id?: number; url?: string | null; iframe?: boolean } = {}) {
  const url = opts.url === undefined ? PANEL : opts.url;
  return {
    sender: { id: opts.id ?? WINDOW_ID },
    senderFrame: url === null ? null : { url, parent: opts.iframe ? { url: PANEL } : null },
  };
}

function setup(dispatch?: InvokeDispatcher) {
  const calls: unknown[] = [];
  const getEvent = vi.fn(async (input: { id: number }) => ({ id: input.id }));
  // The real dispatcher over a handler set: validation happens exactly as in the app.
  const hostInfo = async () => INFO;
  const { handlers } = completeHandlers([
    { 'events:get': getEvent, 'host:info': hostInfo } as unknown as Partial<Handlers>,
  ]);
  const realInvoke = createInvoke(handlers);
  const invoke: InvokeDispatcher =
    dispatch ??
    ((channel, input) => {
      calls.push([channel, input]);
      return realInvoke(channel, input);
    });
  const refused: unknown[] = [];
  const binding = bindKreoIpc({
    invoke,
    renderer: paths.renderer,
    allowedWebContents: () => [WINDOW_ID],
    onRefused: (s) => refused.push(s),
  });
  const handler = state.ipcHandlers.get(IPC_INVOKE)!;
  const call = (event: ReturnType<typeof ipcEvent>, ...args: unknown[]) =>
    handler(event, ...args) as Promise<Result<unknown>>;
  return { call, calls, refused, binding, getEvent };
}

afterEach(() => resetFakeElectron());

describe('IPC binding: sender check', () => {
  it('answers the panel main frame with the Result of the host dispatcher', async () => {
    const { call, calls } = setup();
    await expect(call(ipcEvent(), 'host:info', {})).resolves.toEqual({ ok: true, value: INFO });
    await expect(call(ipcEvent({ url: `${PANEL}#/settings` }), 'host:info')).resolves.toMatchObject({
      ok: true,
    });
    expect(calls).toEqual([
      ['host:info', {}],
      ['host:info', undefined],
    ]);
  });

  it.each([
    ['a remote page', { url: 'https://evil.example/' }],
    ['another local file', { url: 'file:///tmp/evil.html' }],
    ['an iframe inside the panel', { iframe: true }],
    ['another webContents', { id: 99 }],
    ['a frame that is gone', { url: null }],
  ])('refuses %s before any service sees the call', async (_name, opts) => {
    const { call, calls, refused } = setup();
    const result = await call(ipcEvent(opts), 'tunnel:stop', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(calls).toEqual([]);
    expect(refused).toHaveLength(1);
  });
});

describe('IPC binding: arguments', () => {
  it('refuses a channel that is not in the contract', async () => {
    const { call, calls } = setup();
    const result = await call(ipcEvent(), 'fs:readFile', { path: '/etc/passwd' });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(calls).toEqual([]);
    expect(await call(ipcEvent(), { toString: () => 'x' })).toMatchObject({ ok: false });
  });

  it('refuses extra arguments', async () => {
    const { call, calls } = setup();
    expect(await call(ipcEvent(), 'host:info', {}, 'extra')).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(calls).toEqual([]);
  });

  it('refuses input that breaks the channel schema, before the handler runs', async () => {
    const { call, getEvent } = setup();
    for (const bad of [{ id: 'seven' }, { id: 0 }, { id: 1, extra: true }, 'id=1', null]) {
      const result = await call(ipcEvent(), 'events:get', bad);
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      if (!result.ok) expect(result.error.message).toMatch(/events:get/);
    }
    expect(getEvent).not.toHaveBeenCalled();
  });

  it('turns a throwing dispatcher into INTERNAL without leaking its message', async () => {
    const { call } = setup(async () => {
      throw new Error('secret path /home/x/.kreo/secrets.json');
    });
    const result = await call(ipcEvent(), 'host:info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('secrets.json');
  });

  it('unregisters on dispose', () => {
    const { binding } = setup();
    binding.dispose();
    expect(state.ipcHandlers.has(IPC_INVOKE)).toBe(false);
  });
});
