import { describe, expect, it } from 'vitest';
import { MAX_CONNECTION_CHANGES } from '../../../shared/domain/tunnel';
import { defaultSettings } from '../../../shared/settings-schema';
import type { StartPlan } from './tunnel-plan';
import { TunnelStatusBook } from './tunnel-status-book';

const plan: StartPlan = {
  port: 8000,
  addr: '127.0.0.1:8000',
  localTarget: 'http://127.0.0.1:8000',
  domain: 'dev.ngrok-free.app',
  domainSource: 'settings',
  authtoken: 'tok',
  tokenSource: 'settings',
};

describe('TunnelStatusBook', () => {
  it('reports the settings’ target and domain before a start, then the plan’s and the uptime', () => {
    let now = 1_000_000;
    const book = new TunnelStatusBook(() => now);
    const settings = defaultSettings();
    settings.server.host = '::';
    expect(book.status(settings)).toMatchObject({ state: 'stopped', localTarget: 'http://[::1]:8000' });
    book.beginStart(plan);
    book.online('https://dev.ngrok-free.app');
    book.state = 'online';
    now += 5_000;
    expect(book.status(settings)).toMatchObject({
      url: 'https://dev.ngrok-free.app',
      domain: 'dev.ngrok-free.app',
      uptimeMs: 5_000,
      connection: 'connected',
    });
  });

  it('records reconnects once per change and keeps only the latest changes', () => {
    const book = new TunnelStatusBook(() => 0);
    book.beginStart(plan);
    book.online('https://dev.ngrok-free.app');
    expect(book.sessionStatus('closed')).toBe('reconnecting');
    expect(book.sessionStatus('closed')).toBeNull();
    expect(book.sessionStatus('connected')).toBe('reconnected');
    expect(book.sessionStatus('connected')).toBeNull();
    for (let i = 0; i < MAX_CONNECTION_CHANGES; i++) book.sessionStatus(i % 2 ? 'connected' : 'closed');
    const changes = book.status(defaultSettings()).connectionChanges;
    expect(changes).toHaveLength(MAX_CONNECTION_CHANGES);
    book.offline('stop requested');
    const after = book.status(defaultSettings());
    expect(after).toMatchObject({ url: null, connection: null, startedAt: null });
    expect(after.connectionChanges.at(-1)).toMatchObject({
      status: 'disconnected',
      detail: 'stop requested',
    });
  });
});
