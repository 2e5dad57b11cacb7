import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HealthReport } from '../../shared/domain/meta';
import type { TunnelStatus } from '../../shared/domain/tunnel';
import { EventBus, type BusMessage } from '../services/core/event-bus';
import { NotificationRules, registrationFailedNotice } from './notification-rules';
import { DesktopNotifier } from './notifier';
import { FakeNotification, resetFakeElectron } from './testing/fake-electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

afterEach(() => resetFakeElectron());

const URL_ = 'https://abc.ngrok-free.app';
function tunnel(state: TunnelStatus['state'], extra: Partial<TunnelStatus> = {}): BusMessage {
  return {
    event: 'tunnel:status',
    payload: {
      state,
      url: state === 'online' ? URL_ : null,
      localTarget: 'http://127.0.0.1:8000',
      domain: null,
      startedAt: null,
      uptimeMs: null,
      lastError: null,
      connection: state === 'online' ? 'connected' : null,
      connectionChanges: [],
      ...extra,
    },
  };
}
function health(states: Record<string, 'ok' | 'failed' | 'warning'>): BusMessage {
  const report: HealthReport = {
    checkedAt: '2026-11-28T10:00:00.000Z',
    overall: Object.values(states).includes('failed') ? 'failed' : 'ok',
    checks: Object.entries(states).map(([name, state]) => ({
      name: name as HealthReport['checks'][number]['name'],
      state,
      detail: `${name} is ${state}`,
      checkedAt: '2026-11-28T10:00:00.000Z',
    })),
  };
  return { event: 'health:changed', payload: report };
}
function webhook(
  registered: boolean,
  lastError: { code: string; message: string } | null = null,
): BusMessage {
  return {
    event: 'webhook:status',
    payload: {
      registered,
      registeredAt: null,
      registeredUrl: registered ? `${URL_}/webhook` : null,
      expectedUrl: null,
      metaUrl: null,
      matches: null,
      scope: 'app',
      previousUrl: null,
      lastError,
    },
  };
}

function run(messages: BusMessage[]) {
  const rules = new NotificationRules();
  return messages.map((m) => rules.next(m)).filter((n) => n !== null);
}

describe('notification rules', () => {
  it('says nothing for a normal start and a user stop', () => {
    expect(run([tunnel('starting'), tunnel('online'), tunnel('stopping'), tunnel('stopped')])).toEqual([]);
  });

  it('announces a drop to error and the recovery', () => {
    const notes = run([
      tunnel('online'),
      tunnel('error', { lastError: { code: 'TUNNEL_FAILED', message: 'session closed by the server' } }),
      tunnel('starting'),
      tunnel('online'),
    ]);
    expect(notes.map((n) => [n.kind, n.title, n.body])).toEqual([
      ['tunnel-down', 'Tunnel dropped', 'session closed by the server'],
      ['tunnel-back', 'Tunnel back online', URL_],
    ]);
  });

  it('announces a reconnecting session and its return', () => {
    const notes = run([
      tunnel('online'),
      tunnel('online', { connection: 'reconnecting' }),
      tunnel('online', { connection: 'reconnecting' }),
      tunnel('online', { connection: 'connected' }),
    ]);
    expect(notes.map((n) => n.title)).toEqual(['Tunnel connection lost', 'Tunnel back online']);
  });

  it('treats going straight from online to stopped (no stopping) as a drop', () => {
    expect(run([tunnel('online'), tunnel('stopped')]).map((n) => n.kind)).toEqual(['tunnel-down']);
  });

  it('announces a successful registration once', () => {
    const notes = run([webhook(false), webhook(true), webhook(true)]);
    expect(notes).toEqual([
      { kind: 'webhook-registered', title: 'Webhook registered with Meta', body: `${URL_}/webhook` },
    ]);
  });

  it('announces a failed (e.g. automatic) registration once per distinct error', () => {
    const refused = { code: 'REGISTER_FAILED', message: 'Meta did not accept the callback URL.' };
    const notes = run([webhook(false), webhook(false, refused), webhook(false, refused), webhook(true)]);
    expect(notes.map((n) => [n.kind, n.body])).toEqual([
      ['webhook-failed', 'Meta did not accept the callback URL.'],
      ['webhook-registered', `${URL_}/webhook`],
    ]);
  });

  it('announces health checks as they turn red, not while they stay red', () => {
    const notes = run([
      health({ meta: 'ok', redis: 'ok' }),
      health({ meta: 'failed', redis: 'ok' }),
      health({ meta: 'failed', redis: 'ok' }),
      health({ meta: 'ok', redis: 'ok' }),
      health({ meta: 'failed', redis: 'failed', tunnel: 'warning' }),
    ]);
    expect(notes.map((n) => n.title)).toEqual(['Health check failed: meta', '2 health checks failed']);
    expect(notes[1]!.body).toBe('meta: meta is failed\nredis: redis is failed');
  });

  it('words a refused registration with its hint', () => {
    expect(registrationFailedNotice({ message: 'Meta refused', hint: 'Check the verify token.' })).toEqual({
      kind: 'webhook-failed',
      title: 'Webhook registration failed',
      body: 'Meta refused\nCheck the verify token.',
    });
  });
});

describe('desktop notifier', () => {
  it('shows notices from the bus and opens the panel on click', () => {
    const bus = new EventBus();
    const onClick = vi.fn();
    const notifier = new DesktopNotifier({ bus, onClick });
    bus.publish('tunnel:status', tunnel('online').payload as TunnelStatus);
    bus.publish('tunnel:status', tunnel('error').payload as TunnelStatus);
    expect(FakeNotification.shown.map((n) => n.options.title)).toEqual(['Tunnel dropped']);
    FakeNotification.shown[0]!.emit('click');
    expect(onClick).toHaveBeenCalledOnce();
    notifier.dispose();
    bus.publish('tunnel:status', tunnel('online').payload as TunnelStatus);
    expect(FakeNotification.shown).toHaveLength(1);
  });

  it('shows the same notice from two paths once', () => {
    const notifier = new DesktopNotifier({ bus: new EventBus() });
    const notice = registrationFailedNotice({ message: 'Meta refused' });
    notifier.show(notice);
    notifier.show(notice);
    notifier.show({ ...notice, body: 'another reason' });
    expect(FakeNotification.shown.map((n) => n.options.body)).toEqual(['Meta refused', 'another reason']);
  });

  it('stays silent where the OS has no notifications', () => {
    FakeNotification.supported = false;
    const bus = new EventBus();
    const notifier = new DesktopNotifier({ bus });
    notifier.show({ kind: 'health-failed', title: 't', body: 'b' });
    expect(FakeNotification.shown).toHaveLength(0);
  });
});
