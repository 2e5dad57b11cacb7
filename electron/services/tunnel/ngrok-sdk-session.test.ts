import { describe, expect, it } from 'vitest';
import { NgrokSdkSession, type NgrokSdk } from './ngrok-sdk-session';
import type { NgrokSessionEvent } from './types';

/** Records what the session hands to the SDK's forward(). */
function fakeSdk() {
  const calls: Array<Record<string, unknown>> = [];
  let disconnects = 0;
  const sdk = {
    forward: async (config: Record<string, unknown>) => {
      calls.push(config);
      (config.onStatusChange as (s: string) => void)('connected');
      (config.onLogEvent as (l: string) => void)('INFO ngrok::session - started');
      return { url: () => 'https://x.ngrok-free.app' };
    },
    disconnect: async () => {
      disconnects++;
    },
    kill: async () => undefined,
  } as unknown as NgrokSdk;
  return { sdk, calls, disconnects: () => disconnects };
}

describe('NgrokSdkSession', () => {
  it('maps the driver config to the SDK keys, always forcing a new session', async () => {
    const { sdk, calls } = fakeSdk();
    const events: NgrokSessionEvent[] = [];
    const session = new NgrokSdkSession(sdk, (e) => events.push(e));
    const out = await session.forward({
      addr: '127.0.0.1:8000',
      authtoken: 'tok',
      domain: 'a.ngrok-free.app',
      serverAddr: '127.0.0.1:4443',
      caCertPem: 'PEM',
    });
    expect(out).toEqual({ url: 'https://x.ngrok-free.app' });
    expect(calls[0]).toMatchObject({
      addr: '127.0.0.1:8000',
      authtoken: 'tok',
      domain: 'a.ngrok-free.app',
      server_addr: '127.0.0.1:4443',
      session_ca_cert: 'PEM',
      force_new_session: true,
    });
    expect(calls[0]).not.toHaveProperty('subdomain');
    expect(calls[0]).not.toHaveProperty('schemes');
    expect(events).toEqual([
      { type: 'status', status: 'connected' },
      { type: 'log', line: 'INFO ngrok::session - started' },
    ]);
  });

  it('leaves out optional keys and disconnects an earlier session before the next forward', async () => {
    const { sdk, calls, disconnects } = fakeSdk();
    const session = new NgrokSdkSession(sdk, () => undefined);
    await session.disconnect();
    expect(disconnects()).toBe(0);
    await session.forward({ addr: '127.0.0.1:8000', authtoken: 'tok' });
    expect(Object.keys(calls[0]!).sort()).toEqual(
      ['addr', 'authtoken', 'force_new_session', 'onLogEvent', 'onStatusChange'].sort(),
    );
    await session.forward({ addr: '127.0.0.1:8001', authtoken: 'tok' });
    expect(disconnects()).toBe(1);
  });
});
