import { describe, expect, it } from 'vitest';
import { KreoError } from '../../../shared/errors';
import type { Scheduler } from '../lib/frame-batcher';
import { makeLogLine, makeSummary } from '../testing/fake-events';
import { createFakeKreo } from '../testing/fake-kreo';
import { appReducer, initialAppState, type AppAction, type AppState } from './app-state';
import { DataHub } from './data-hub';

function setup() {
  const fake = createFakeKreo();
  let state: AppState = initialAppState;
  const actions: AppAction[] = [];
  const dispatch = (a: AppAction) => {
    actions.push(a);
    state = appReducer(state, a);
  };
  let frames: (() => void)[] = [];
  const schedule: Scheduler = (run) => {
    frames.push(run);
    return () => (frames = frames.filter((f) => f !== run));
  };
  const hub = new DataHub(fake.api, dispatch, { schedule });
  const frame = () => {
    const runs = frames;
    frames = [];
    for (const r of runs) r();
  };
  return { fake, hub, frame, actions, state: () => state };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('DataHub', () => {
  it('loads host facts, settings and tunnel, then becomes ready; events and logs fill in', async () => {
    const { fake, hub, state } = setup();
    fake.seedEvents(25);
    hub.subscribe();
    await hub.load();
    await settle();
    expect(state().load).toBe('ready');
    expect(state().host?.mode).toBe('headless');
    expect(state().settings?.secrets['ngrok.authtoken'].set).toBe(true);
    expect(state().tunnel?.state).toBe('stopped');
    expect(state().webhook?.registered).toBe(false);
    expect(hub.events.total).toBe(25);
    expect(hub.events.at(0)!.id).toBe(25);
    expect(hub.logs.total).toBe(60);
  });

  it('reports a host that cannot be reached', async () => {
    const { fake, hub, state } = setup();
    fake.fail(
      'host:info',
      new KreoError('UNAVAILABLE', 'The panel host is not answering.', 'Check kreo serve.'),
    );
    await hub.load();
    expect(state().load).toBe('error');
    expect(state().loadError).toMatchObject({ code: 'UNAVAILABLE', hint: 'Check kreo serve.' });
  });

  it('applies pushes: state at once, events and log lines once per frame', async () => {
    const { fake, hub, frame, state } = setup();
    hub.subscribe();
    await hub.load();
    await settle();
    frame();
    await fake.api.tunnel.start();
    expect(state().tunnel?.state).toBe('online');
    const before = hub.events.version;
    for (let i = 0; i < 500; i++) fake.deliver('text');
    for (let i = 0; i < 50; i++) fake.emit('logs:lines', { file: 'ngrok', lines: [makeLogLine(i, 'ngrok')] });
    expect(hub.events.total).toBe(0);
    frame();
    expect(hub.events.total).toBe(500);
    expect(hub.events.version).toBe(before + 1);
    expect(hub.logs.total).toBe(60 + 50);
    fake.emit('events:updated', [{ ...hub.events.at(0)!, forward: 'delivered' }]);
    frame();
    expect(hub.events.at(0)!.forward).toBe('delivered');
  });

  it('does not repeat log lines pushed while the first tail was in flight', async () => {
    const { fake, hub, frame } = setup();
    hub.subscribe();
    const repeated = fake.logHistory.filter((l) => l.file === 'whatsapp').at(-1)!;
    const fresh = makeLogLine(999, 'whatsapp');
    // Written after the tail was read and pushed before its answer came back: both hold `repeated`.
    fake.emit('logs:lines', { file: 'whatsapp', lines: [repeated, fresh] });
    await hub.load();
    await settle();
    frame();
    const msgs = Array.from({ length: hub.logs.shown }, (_, i) => hub.logs.at(i)!.msg);
    expect(msgs).toHaveLength(61);
    expect(msgs.filter((m) => m === repeated.msg)).toHaveLength(1);
    expect(msgs.at(-1)).toBe(fresh.msg);
  });

  it('after the push connection was down, refetches state, the newest events and only the log lines it missed', async () => {
    const { fake, hub, frame, actions } = setup();
    hub.subscribe();
    await hub.load();
    await settle();
    frame();
    expect(hub.logs.total).toBe(60);
    // While the connection was down: events stored and lines written, none of it pushed.
    fake.seedEvents(5);
    const missed = [makeLogLine(100, 'whatsapp'), makeLogLine(101, 'ngrok')];
    fake.logHistory.push(...missed);
    const before = actions.length;
    fake.emit('connection:restored', { downMs: 1200 });
    await settle();
    frame();
    expect(hub.events.total).toBe(5);
    expect(hub.logs.total).toBe(62); // the two missed lines, nothing twice
    const msgs = Array.from({ length: hub.logs.shown }, (_, i) => hub.logs.at(i)!.msg);
    expect(msgs.slice(-2)).toEqual(missed.map((l) => l.msg));
    expect(actions.slice(before).map((a) => a.type)).toEqual(
      expect.arrayContaining(['settings', 'tunnel', 'webhook', 'rate']), // health: none computed yet
    );
  });

  it('unsubscribes everything on dispose and can subscribe again', () => {
    const { fake, hub } = setup();
    hub.subscribe();
    expect(fake.listeners('events:new')).toBe(1);
    hub.dispose();
    expect(fake.listeners('events:new')).toBe(0);
    expect(fake.listeners('settings:changed')).toBe(0);
    hub.subscribe();
    expect(fake.listeners('events:new')).toBe(1);
    fake.emit('events:new', [makeSummary(1, 'text')]);
  });
});
