import { afterEach, describe, expect, it } from 'vitest';
import { startCallbackServer, type CallbackServer } from './callback-server';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake, type GraphFake } from './index';

let fake: GraphFake;
let cb: CallbackServer;
afterEach(async () => {
  await fake?.close();
  await cb?.close();
});

async function call(method: string, path: string, token: string | null, body?: Record<string, unknown>) {
  const res = await fetch(`${fake.url}/v26.0${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON access in assertions
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe('Graph API fake', () => {
  it('checks the app token on subscriptions and runs the handshake before saving', async () => {
    fake = await startGraphFake();
    cb = await startCallbackServer({ verifyToken: 'vt', appSecret: D.appSecret });
    const sub = {
      object: 'whatsapp_business_account',
      callback_url: `${cb.url}/webhook`,
      verify_token: 'vt',
      fields: 'messages',
    };

    const user = await call('POST', `/${D.appId}/subscriptions`, D.token, sub);
    expect(user.json.error).toMatchObject({ code: 15, type: 'OAuthException' });
    expect(user.json.error.fbtrace_id).toBeTruthy();

    cb.mode = 'wrong-challenge';
    const refused = await call('POST', `/${D.appId}/subscriptions`, fake.appToken, sub);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe(2200);
    expect(fake.state.appSubscriptions).toHaveLength(0);

    cb.mode = 'normal';
    const ok = await call('POST', `/${D.appId}/subscriptions`, fake.appToken, sub);
    expect(ok.json).toEqual({ success: true });
    const list = await call('GET', `/${D.appId}/subscriptions`, fake.appToken);
    expect(list.json.data[0]).toMatchObject({
      callback_url: sub.callback_url,
      active: true,
      fields: [{ name: 'messages' }],
    });

    await call('DELETE', `/${D.appId}/subscriptions?object=whatsapp_business_account`, fake.appToken);
    expect((await call('GET', `/${D.appId}/subscriptions`, fake.appToken)).json.data).toEqual([]);
  });

  it('gives up on a slow callback after the handshake budget', async () => {
    fake = await startGraphFake({ handshakeTimeoutMs: 200 });
    cb = await startCallbackServer({ verifyToken: 'vt', appSecret: D.appSecret });
    cb.mode = 'slow';
    cb.slowMs = 1_000;
    const res = await call('POST', `/${D.wabaId}/subscribed_apps`, D.token, {
      override_callback_uri: `${cb.url}/webhook`,
      verify_token: 'vt',
    });
    expect(res.json.error.code).toBe(2200);
    expect(res.json.error.message).toContain('timed out');
    expect(fake.state.wabaOverride).toBeNull();
  });

  it('answers debug_token like Meta', async () => {
    fake = await startGraphFake({
      tokens: [{ token: 'tok1', scopes: ['whatsapp_business_messaging'], expiresAt: 4_000_000_000 }],
    });
    const res = await call('GET', `/debug_token?input_token=tok1`, fake.appToken);
    expect(res.json.data).toMatchObject({
      is_valid: true,
      expires_at: 4_000_000_000,
      scopes: ['whatsapp_business_messaging'],
    });
    const bad = await call('GET', `/debug_token?input_token=nope`, fake.appToken);
    expect(bad.json.data.is_valid).toBe(false);
  });

  it('counts sends per second and answers 130429 beyond the limit', async () => {
    fake = await startGraphFake({ messagesPerSecond: 5 });
    // Start right after a second boundary so the burst lands in one window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call('POST', `/${D.phoneNumberId}/messages`, D.token, {
          messaging_product: 'whatsapp',
          to: `1555000${i}`,
          type: 'text',
          text: { body: 'hi' },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.json.error?.code === 130429);
    expect(ok).toHaveLength(5);
    expect(limited).toHaveLength(3);
    expect(ok[0]!.json.messages[0].id).toMatch(/^wamid\./);
    expect(limited[0]!.json.error.error_data.details).toContain('throughput');
  });

  it('refuses unknown templates with 132001', async () => {
    fake = await startGraphFake();
    const res = await call('POST', `/${D.phoneNumberId}/messages`, D.token, {
      messaging_product: 'whatsapp',
      to: '15550001',
      type: 'template',
      template: { name: 'nope', language: { code: 'en_US' } },
    });
    expect(res.json.error.code).toBe(132001);
  });
});
