import { describe, expect, it } from 'vitest';
import { stoppedTunnelStatus, type TunnelStatus } from '../../../shared/domain/tunnel';
import { createFakeKreo } from '../testing/fake-kreo';
import { appReducer, initialAppState } from './app-state';

const tunnel = (state: TunnelStatus['state']): TunnelStatus => ({
  ...stoppedTunnelStatus('http://127.0.0.1:8000'),
  state,
  url: state === 'online' ? 'https://x.ngrok-free.app' : null,
});

describe('appReducer', () => {
  it('keeps a push that arrived while the first load was in flight', async () => {
    const fake = createFakeKreo();
    const [host, settings] = await Promise.all([fake.api.host.info(), fake.api.settings.get()]);
    let s = appReducer(initialAppState, { type: 'tunnel', status: tunnel('online') });
    s = appReducer(s, {
      type: 'loaded',
      host,
      settings,
      tunnel: tunnel('stopped'),
      webhook: null,
      health: null,
      rate: null,
    });
    expect(s.load).toBe('ready');
    expect(s.tunnel?.state).toBe('online');
    expect(s.settings).toBe(settings);
  });

  it('reports a failed load and starts over on reload', () => {
    let s = appReducer(initialAppState, {
      type: 'loadFailed',
      error: { code: 'UNAVAILABLE', message: 'down' },
    });
    expect(s).toMatchObject({ load: 'error', loadError: { code: 'UNAVAILABLE' } });
    s = appReducer(s, { type: 'reload' });
    expect(s).toEqual(initialAppState);
  });
});
