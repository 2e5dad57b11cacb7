/** RegistrationService by hand: app and override scopes, preflight failures, status (automatic: registration-auto). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { GRAPH_FAKE_DEFAULTS as D } from '../../../test/fakes/graph-api';
import { PREFLIGHT_FIELD } from './preflight';
import {
  cb,
  dir,
  expectCode,
  fake,
  logger,
  makeService,
  ourUrl,
  prod,
  prodUrl,
  settings,
  setup,
  subscribeProd,
  svc,
  tunnel,
  bus,
  useRegistrationFixture,
  VERIFY,
} from './registration-fixture';

useRegistrationFixture();

describe('registration, app scope', () => {
  it('preflights, registers with the app token, ensures the WABA subscription and restores on unregister', async () => {
    await setup({ fake: { appSubscription: null } });
    subscribeProd(['messages', 'message_template_status_update']);
    settings.update({ 'webhook.fields': ['messages', 'account_update'] });
    tunnel.online(cb.url);

    const pushed: unknown[] = [];
    bus.subscribe((m) => m.event === 'webhook:status' && pushed.push(m.payload));
    const status = await svc.register();

    // The preflight went through the public URL: a handshake and a signed, recognisable POST.
    expect(cb.handshakes).toBeGreaterThanOrEqual(1);
    const pre = cb.posts.find((p) => p.body.includes(PREFLIGHT_FIELD));
    expect(pre?.signatureOk).toBe(true);
    expect(pre?.headers['x-kreo-preflight']).toBeTruthy();
    // Meta ran its own handshake before saving; the app token was used.
    expect(fake.state.handshakes.at(-1)).toMatchObject({ ok: true, callbackUrl: ourUrl() });
    const sub = fake.state.whatsappSubscription()!;
    expect(sub.callbackUrl).toBe(ourUrl());
    expect(sub.fields).toEqual(expect.arrayContaining(['messages', 'account_update']));
    expect(
      fake.state.requests.find((r) => r.method === 'POST' && r.path.endsWith('/subscriptions')),
    ).toMatchObject({
      auth: 'app',
      version: 'v26.0',
    });
    expect(fake.state.appSubscribedToWaba).toBe(true);

    expect(status).toMatchObject({
      registered: true,
      registeredUrl: ourUrl(),
      metaUrl: ourUrl(),
      matches: true,
    });
    expect(status.previousUrl).toBe(prodUrl());
    expect(settings.get().webhook).toMatchObject({ registered: true, registeredUrl: ourUrl() });
    expect(settings.get().webhook.registeredAt).toMatch(/^\d{4}-/);
    expect(pushed).toHaveLength(1);

    const after = await svc.unregister();
    const restored = fake.state.whatsappSubscription()!;
    expect(restored.callbackUrl).toBe(prodUrl());
    expect(restored.fields.sort()).toEqual(['message_template_status_update', 'messages']);
    expect(after).toMatchObject({
      registered: false,
      registeredUrl: null,
      metaUrl: prodUrl(),
      matches: false,
    });
    expect(settings.get().webhook.registered).toBe(false);
    const file = JSON.parse(await readFile(path.join(dir, 'data', 'meta-registration.json'), 'utf8'));
    expect(file.active).toBeNull();
  });

  it('removes the subscription on unregister when nothing was there before', async () => {
    await setup();
    tunnel.online(cb.url);
    await svc.register();
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(ourUrl());
    await svc.unregister();
    expect(fake.state.whatsappSubscription()).toBeUndefined();
  });

  it('remembers the previous callback across restarts of the service', async () => {
    await setup({ fake: { appSubscription: null } });
    subscribeProd();
    tunnel.online(cb.url);
    await svc.register();
    await svc.dispose();
    const again = makeService();
    expect((await again.status()).previousUrl).toBe(prodUrl());
    await again.unregister();
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(prodUrl());
  });

  it('refuses with a clear error when Meta settings are missing', async () => {
    await setup();
    await settings.update({ 'meta.appSecret': '', 'meta.verifyToken': '' });
    tunnel.online(cb.url);
    const err = await expectCode(svc.register(), 'META_NOT_CONFIGURED');
    expect(err.message).toContain('meta.appSecret');
    expect(err.details?.missing).toEqual(['meta.appSecret', 'meta.verifyToken']);
  });

  it('explains a Meta-side handshake failure after a passing preflight', async () => {
    await setup({
      fake: {
        fetch: async () =>
          Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })),
      },
    });
    tunnel.online(cb.url);
    const err = await expectCode(svc.register(), 'REGISTER_FAILED');
    expect(err.message).toContain('Meta could not verify');
    expect(err.details?.graphCode).toBe(2200);
    expect(settings.get().webhook.registered).toBe(false);
    expect((await svc.status()).lastError?.code).toBe('REGISTER_FAILED');
  });

  it('keeps secrets out of the log', async () => {
    await setup();
    tunnel.online(cb.url);
    await svc.register();
    await svc.status();
    await svc.unregister();
    const text = logger.text();
    expect(text).toContain('Registered');
    for (const secret of [VERIFY, D.appSecret, D.token]) expect(text).not.toContain(secret);
  });
});

describe('registration, override scopes', () => {
  it('waba: sets the override with the user token and removes it on unregister, keeping the subscription', async () => {
    await setup({ scope: 'waba', fake: { appSubscribedToWaba: true } });
    tunnel.online(cb.url);
    const status = await svc.register();
    expect(fake.state.wabaOverride).toBe(ourUrl());
    expect(status).toMatchObject({ scope: 'waba', metaUrl: ourUrl(), matches: true, previousUrl: null });
    const post = fake.state.requests.find((r) => r.method === 'POST' && r.path.endsWith('/subscribed_apps'));
    expect(post?.auth).toBe('user');
    await svc.unregister();
    expect(fake.state.wabaOverride).toBeNull();
    expect(fake.state.appSubscribedToWaba).toBe(true);
  });

  it('waba: restores a previous override', async () => {
    await setup({ scope: 'waba', fake: { appSubscribedToWaba: true } });
    fake.state.wabaOverride = prodUrl();
    tunnel.online(cb.url);
    expect((await svc.register()).previousUrl).toBe(prodUrl());
    await svc.unregister();
    expect(fake.state.wabaOverride).toBe(prodUrl());
  });

  it('phone: sets webhook_configuration.override_callback_uri and restores the previous one', async () => {
    await setup({ scope: 'phone' });
    fake.state.phoneOverride = prodUrl();
    tunnel.online(cb.url);
    const status = await svc.register();
    expect(fake.state.phoneOverride).toBe(ourUrl());
    expect(status).toMatchObject({ scope: 'phone', matches: true, previousUrl: prodUrl() });
    expect(fake.state.appSubscribedToWaba).toBe(true);
    await svc.unregister();
    expect(fake.state.phoneOverride).toBe(prodUrl());
  });

  it('app: says when a phone-number override takes the events elsewhere', async () => {
    await setup({ fake: { appSubscribedToWaba: true } });
    fake.state.phoneOverride = prodUrl();
    tunnel.online(cb.url);
    const status = await svc.register();
    expect(status.matches).toBe(true);
    expect(status.detail).toContain(`go to ${prodUrl()}`);
  });

  it('restores the old scope first when the scope changes', async () => {
    await setup();
    tunnel.online(cb.url);
    await svc.register();
    await settings.update({ 'webhook.scope': 'phone' });
    await svc.register();
    expect(fake.state.whatsappSubscription()).toBeUndefined();
    expect(fake.state.phoneOverride).toBe(ourUrl());
    await svc.unregister();
    expect(fake.state.phoneOverride).toBeNull();
  });
});

describe('preflight failures', () => {
  beforeEach(async () => {
    await setup();
    subscribeProd();
  });

  async function failsWith(cause: string) {
    tunnel.online(cb.url);
    const err = await expectCode(svc.register(), 'REGISTER_PREFLIGHT_FAILED');
    expect(err.details?.cause).toBe(cause);
    expect(err.hint).toBeTruthy();
    // Nothing changed at Meta.
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(prodUrl());
    expect(fake.state.handshakes).toHaveLength(0);
    return err;
  }

  it('tunnel not online', async () => {
    await expectCode(svc.register(), 'TUNNEL_NOT_RUNNING');
  });

  it('tunnel down: the public URL does not connect', async () => {
    const url = cb.url;
    await cb.close();
    tunnel.online(url);
    const err = await expectCode(svc.register(), 'REGISTER_PREFLIGHT_FAILED');
    expect(err.details?.cause).toBe('tunnel_down');
  });

  it.each([
    ['tunnel down: ngrok answers that the endpoint is offline', 'ngrok-offline', 'tunnel_down'],
    ['interstitial page', 'html', 'interstitial'],
    ['wrong answer to the challenge', 'wrong-challenge', 'wrong_answer'],
    ['verify token refused', 'forbidden', 'wrong_verify_token'],
  ] as const)('%s', async (_case, mode, cause) => {
    cb.mode = mode;
    await failsWith(cause);
  });

  it('401 on the signed POST', async () => {
    await settings.update({ 'meta.appSecret': 'someOtherSecret123' });
    const err = await failsWith('signature_rejected');
    expect(err.details?.step).toBe('post');
  });

  it('too slow for the budget', async () => {
    cb.mode = 'slow';
    cb.slowMs = 2_500;
    const err = await failsWith('too_slow');
    expect(err.message).toContain('Meta allows about 6 s');
  });
});

describe('status', () => {
  it('reports a mismatch when Meta points elsewhere or the tunnel URL changed', async () => {
    await setup();
    tunnel.online(cb.url);
    await svc.register();
    fake.state.whatsappSubscription()!.callbackUrl = prodUrl();
    let st = await svc.status();
    expect(st).toMatchObject({ registered: true, metaUrl: prodUrl(), expectedUrl: ourUrl(), matches: false });
    expect(st.detail).toContain(`not to the tunnel`);

    fake.state.whatsappSubscription()!.callbackUrl = ourUrl();
    tunnel.online('https://new-name.ngrok-free.app');
    st = await svc.status();
    expect(st).toMatchObject({ matches: false, expectedUrl: 'https://new-name.ngrok-free.app/webhook' });

    tunnel.stopped();
    st = await svc.status();
    expect(st.matches).toBeNull();
    expect(st.detail).toContain('not online');
  });

  it('does not touch a callback someone else changed since registration', async () => {
    await setup();
    subscribeProd();
    tunnel.online(cb.url);
    await svc.register();
    fake.state.whatsappSubscription()!.callbackUrl = 'https://someone-else.example.com/hook';
    await svc.unregister();
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe('https://someone-else.example.com/hook');
    expect(logger.text()).toContain('changed by someone else');
  });

  it('fails restore clearly when the previous endpoint does not answer, and stays registered', async () => {
    await setup();
    subscribeProd();
    tunnel.online(cb.url);
    await svc.register();
    await prod.close();
    const err = await expectCode(svc.unregister(), 'REGISTER_FAILED');
    expect(err.message).toContain(`Could not restore the previous callback ${prodUrl()}`);
    expect(settings.get().webhook.registered).toBe(true);
    expect((await svc.status()).previousUrl).toBe(prodUrl());
  });
});
