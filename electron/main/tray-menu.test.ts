import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TunnelStatus } from '../../shared/domain/tunnel';
import { FakeTray, resetFakeElectron } from './testing/fake-electron';
import { TrayController } from './tray';
import { trayIconState, trayMenuTemplate, trayTooltip, type TrayActions, type TrayState } from './tray-menu';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

const URL_ = 'https://abc123.ngrok-free.app';

function tunnel(state: TunnelStatus['state'], extra: Partial<TrayState['tunnel']> = {}): TrayState['tunnel'] {
  return {
    state,
    url: state === 'online' ? URL_ : null,
    connection: state === 'online' ? 'connected' : null,
    lastError: null,
    ...extra,
  };
}

function actions(): TrayActions & { calls: string[] } {
  const calls: string[] = [];
  const record = (name: string) => () => void calls.push(name);
  return {
    calls,
    startTunnel: record('startTunnel'),
    stopTunnel: record('stopTunnel'),
    copyUrl: record('copyUrl'),
    registerWebhook: record('registerWebhook'),
    openPanel: record('openPanel'),
    quit: record('quit'),
  };
}

function menu(state: Partial<TrayState>, a = actions()) {
  const items = trayMenuTemplate({ tunnel: null, webhookRegistered: false, busy: false, ...state }, a);
  const byId = (id: string) => items.find((i) => i.id === id);
  const click = (id: string) => (byId(id)!.click as () => void)();
  return { items, byId, click, a };
}

afterEach(() => resetFakeElectron());

describe('tray menu per tunnel state', () => {
  it('stopped: offers Start tunnel; no URL to copy; cannot register', () => {
    const m = menu({ tunnel: tunnel('stopped') });
    expect(m.byId('status')!.label).toBe('Tunnel: stopped');
    expect(m.byId('tunnel-start')).toMatchObject({ label: 'Start tunnel', enabled: true });
    expect(m.byId('copy-url')!.enabled).toBe(false);
    expect(m.byId('register-webhook')!.enabled).toBe(false);
    expect(m.byId('url')).toBeUndefined();
    m.click('tunnel-start');
    expect(m.a.calls).toEqual(['startTunnel']);
  });

  it('starting: the tunnel item waits (disabled)', () => {
    const m = menu({ tunnel: tunnel('starting') });
    expect(m.byId('status')!.label).toBe('Tunnel: starting…');
    expect(m.byId('tunnel-start')).toMatchObject({ label: 'Starting tunnel…', enabled: false });
    expect(m.byId('register-webhook')!.enabled).toBe(false);
  });

  it('online: Stop tunnel, the URL, copy and register enabled', () => {
    const m = menu({ tunnel: tunnel('online') });
    expect(m.byId('status')!.label).toBe('Tunnel: online');
    expect(m.byId('url')).toMatchObject({ label: URL_, enabled: false });
    expect(m.byId('tunnel-stop')).toMatchObject({ label: 'Stop tunnel', enabled: true });
    expect(m.byId('copy-url')!.enabled).toBe(true);
    expect(m.byId('register-webhook')).toMatchObject({ label: 'Register webhook', enabled: true });
    m.click('tunnel-stop');
    m.click('copy-url');
    m.click('register-webhook');
    expect(m.a.calls).toEqual(['stopTunnel', 'copyUrl', 'registerWebhook']);
  });

  it('online and already registered: register again', () => {
    const m = menu({ tunnel: tunnel('online'), webhookRegistered: true });
    expect(m.byId('register-webhook')!.label).toBe('Register webhook again');
  });

  it('error: offers Start tunnel again and shows the error in the tooltip', () => {
    const state: TrayState = {
      tunnel: tunnel('error', {
        lastError: { code: 'TUNNEL_AUTH_INVALID', message: 'ngrok refused the authtoken.' },
      }),
      webhookRegistered: false,
      busy: false,
    };
    const m = menu(state);
    expect(m.byId('status')!.label).toBe('Tunnel: error');
    expect(m.byId('tunnel-start')).toMatchObject({ label: 'Start tunnel', enabled: true });
    expect(trayTooltip(state)).toContain('ngrok refused the authtoken.');
  });

  it('stopping: disabled while it stops', () => {
    const m = menu({ tunnel: tunnel('stopping') });
    expect(m.byId('tunnel-stop')).toMatchObject({ label: 'Stopping tunnel…', enabled: false });
  });

  it('busy: tunnel and webhook items are disabled while a tray action runs', () => {
    const m = menu({ tunnel: tunnel('online'), busy: true });
    expect(m.byId('tunnel-stop')!.enabled).toBe(false);
    expect(m.byId('register-webhook')!.enabled).toBe(false);
    expect(m.byId('open-panel')!.enabled).not.toBe(false);
  });

  it('always has Open panel and Quit', () => {
    for (const state of ['stopped', 'starting', 'online', 'stopping', 'error'] as const) {
      const m = menu({ tunnel: tunnel(state) });
      m.click('open-panel');
      m.click('quit');
      expect(m.a.calls).toEqual(['openPanel', 'quit']);
    }
  });
});

describe('tray icon and tooltip', () => {
  it('maps each tunnel state to one of four icons', () => {
    const icon = (t: TrayState['tunnel']) =>
      trayIconState({ tunnel: t, webhookRegistered: false, busy: false });
    expect(icon(null)).toBe('stopped');
    expect(icon(tunnel('stopped'))).toBe('stopped');
    expect(icon(tunnel('starting'))).toBe('starting');
    expect(icon(tunnel('stopping'))).toBe('starting');
    expect(icon(tunnel('online'))).toBe('online');
    expect(icon(tunnel('online', { connection: 'reconnecting' }))).toBe('starting');
    expect(icon(tunnel('error'))).toBe('error');
  });

  it('puts the public URL in the tooltip', () => {
    const tip = trayTooltip({ tunnel: tunnel('online'), webhookRegistered: true, busy: false });
    expect(tip.split('\n')).toEqual(['KREO WhatsApp Panel', 'Tunnel: online', URL_, 'Webhook registered']);
  });
});

describe('TrayController', () => {
  it('swaps the icon, tooltip and menu as the state changes', () => {
    const controller = new TrayController({ iconPath: (s) => `/icons/tray-${s}.png`, actions: actions() });
    const tray = FakeTray.instances[0]!;
    expect(tray.image).toEqual({ path: '/icons/tray-stopped.png' });
    controller.update({ tunnel: tunnel('starting') });
    controller.update({ tunnel: tunnel('online') });
    expect(tray.images).toEqual([
      { path: '/icons/tray-stopped.png' },
      { path: '/icons/tray-starting.png' },
      { path: '/icons/tray-online.png' },
    ]);
    expect(tray.tooltip).toContain(URL_);
    expect(tray.menu!.template.find((i) => i.id === 'tunnel-stop')).toBeTruthy();
    controller.update({ webhookRegistered: true });
    expect(tray.images).toHaveLength(3); // same icon: not set again
    expect(controller.snapshot()).toMatchObject({
      icon: 'online',
      items: expect.arrayContaining([{ id: 'tunnel-stop', label: 'Stop tunnel', enabled: true }]),
    });
    controller.dispose();
    expect(tray.destroyed).toBe(true);
  });

  it('opens the panel on click', () => {
    const a = actions();
    new TrayController({ iconPath: (s) => s, actions: a });
    FakeTray.instances[0]!.emit('click');
    expect(a.calls).toEqual(['openPanel']);
  });
});
