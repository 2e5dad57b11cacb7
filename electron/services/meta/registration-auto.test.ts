/** Automatic registration as the tunnel comes and goes, and its races with restores and shutdown. */
import { describe, expect, it } from 'vitest';
import { startCallbackServer } from '../../../test/fakes/graph-api/callback-server';
import { GRAPH_FAKE_DEFAULTS as D } from '../../../test/fakes/graph-api';
import { GraphApi } from './graph-api';
import { GraphClient } from './graph-client';
import type { RegistrationService } from './registration';
import { waitFor } from './test-support';
import {
  cb,
  cleanups,
  fake,
  logger,
  makeService,
  ourUrl,
  prodUrl,
  settings,
  setup,
  subscribeProd,
  svc,
  tunnel,
  useRegistrationFixture,
  VERIFY,
} from './registration-fixture';

useRegistrationFixture();

describe('automatic registration', () => {
  it('registers when the tunnel comes online, again when its URL changes, and restores when it stops', async () => {
    await setup({ webhook: { autoRegister: true, restoreOnStop: true } });
    subscribeProd();
    svc.start();
    tunnel.online(cb.url);
    await waitFor(() => settings.get().webhook.registeredUrl === ourUrl());
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(ourUrl());

    const second = await startCallbackServer({ verifyToken: VERIFY, appSecret: D.appSecret });
    cleanups.push(() => second.close());
    tunnel.online(second.url);
    await waitFor(() => settings.get().webhook.registeredUrl === `${second.url}/webhook`);
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(`${second.url}/webhook`);
    // The remembered callback is still production, not the first tunnel URL.
    expect((await svc.status()).previousUrl).toBe(prodUrl());

    tunnel.stopped();
    await waitFor(() => !settings.get().webhook.registered);
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(prodUrl());
  });

  it('records a failed automatic registration in the status, without retrying in a loop', async () => {
    await setup({ webhook: { autoRegister: true } });
    cb.mode = 'wrong-challenge';
    svc.start();
    tunnel.online(cb.url);
    await waitFor(async () => (await svc.status()).lastError);
    const st = await svc.status();
    expect(st.lastError?.code).toBe('REGISTER_PREFLIGHT_FAILED');
    const handshakes = cb.handshakes;
    tunnel.set({ connection: 'reconnecting' });
    tunnel.set({ connection: 'connected' });
    await new Promise((r) => setTimeout(r, 50));
    expect(cb.handshakes).toBe(handshakes);
  });

  it('registers at once when autoRegister is turned on while the tunnel is online', async () => {
    await setup();
    tunnel.online(cb.url);
    svc.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(settings.get().webhook.registered).toBe(false);
    await settings.update({ 'webhook.autoRegister': true });
    await waitFor(() => settings.get().webhook.registeredUrl === ourUrl());
  });

  it('a restart on a reserved domain (same URL) while the restore is under way ends registered again', async () => {
    await setup({ webhook: { autoRegister: true, restoreOnStop: true } });
    subscribeProd();
    svc.start();
    tunnel.online(cb.url);
    await waitFor(() => settings.get().webhook.registeredUrl === ourUrl());
    tunnel.stopped(); // queues the restore of production…
    tunnel.online(cb.url); // …and the tunnel is back at the same URL before it ran
    const registrations = () => logger.text().split(`Registered ${ourUrl()} with Meta`).length - 1;
    await waitFor(() => registrations() === 2);
    expect(settings.get().webhook.registered).toBe(true);
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(ourUrl());
  });

  /** A service whose Graph calls run `onPostSubscription` once, right after Meta answered the callback POST. */
  function serviceStoppedAfterMetaAccepts(onPostSubscription: () => void): RegistrationService {
    let fired = false;
    const graphFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!fired && init?.method === 'POST' && String(input).includes('/subscriptions')) {
        fired = true;
        onPostSubscription();
      }
      return res;
    };
    return makeService({
      graph: new GraphApi(
        new GraphClient({ config: () => settings.get().meta, retries: 0, fetch: graphFetch }),
      ),
    });
  }

  it('the tunnel stopping while the first registration is under way: production is restored once it ends', async () => {
    await setup({ webhook: { autoRegister: true, restoreOnStop: true } });
    subscribeProd();
    let stopped = false;
    const service = serviceStoppedAfterMetaAccepts(() => {
      stopped = true;
      tunnel.stopped();
    });
    service.start();
    tunnel.online(cb.url);
    await waitFor(() => stopped);
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(ourUrl()); // Meta took it just before the stop
    await waitFor(
      () =>
        !settings.get().webhook.registered && fake.state.whatsappSubscription()?.callbackUrl === prodUrl(),
    );
    expect(logger.text()).toContain(`Registered ${ourUrl()} with Meta`);
  });

  it('shutting down while the first registration is under way waits for it, then restores', async () => {
    await setup({ webhook: { autoRegister: true, restoreOnStop: true } });
    subscribeProd();
    let disposing: Promise<void> | null = null;
    const service = serviceStoppedAfterMetaAccepts(() => (disposing = service.dispose()));
    service.start();
    tunnel.online(cb.url);
    await waitFor(() => disposing !== null);
    await disposing;
    expect(settings.get().webhook.registered).toBe(false);
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(prodUrl());
  });

  it('restores at shutdown with webhook.restoreOnStop', async () => {
    await setup({ webhook: { restoreOnStop: true } });
    tunnel.online(cb.url);
    await svc.register();
    expect(fake.state.whatsappSubscription()).toBeDefined();
    await svc.dispose();
    expect(fake.state.whatsappSubscription()).toBeUndefined();
    expect(settings.get().webhook.registered).toBe(false);
  });
});
