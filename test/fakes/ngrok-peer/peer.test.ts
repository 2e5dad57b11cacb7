/** The loopback peer against the real, unmodified @ngrok/ngrok SDK (in this process; hang cases in a child). */
import ngrok from '@ngrok/ngrok';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait';
import { peerFetch, startNgrokPeer, type NgrokPeer, type NgrokPeerOptions } from './index';
import { bigBody, forkSdkChild, sha256, startLocalApp, type LocalApp, type SdkChild } from './testing';

type SdkError = Error & { errorCode?: string };

let peer: NgrokPeer | undefined;
let app: LocalApp;
let child: SdkChild | undefined;

async function usePeer(opts: NgrokPeerOptions = {}): Promise<NgrokPeer> {
  peer = await startNgrokPeer(opts);
  return peer;
}

function forward(p: NgrokPeer, extra: Record<string, unknown> = {}): ReturnType<typeof ngrok.forward> {
  return ngrok.forward({
    addr: app.addr,
    authtoken: 'good-token',
    server_addr: p.serverAddr,
    session_ca_cert: p.caPem,
    force_new_session: true,
    ...extra,
  });
}

beforeEach(async () => {
  app = await startLocalApp();
});

afterEach(async () => {
  await child?.kill();
  child = undefined;
  // kill() can reject (an Unbind on a transport that was just dropped); the peer must be closed regardless.
  await ngrok.kill().catch(() => undefined);
  await peer?.close();
  peer = undefined;
  await app.close();
});

describe('ngrok loopback peer with the real SDK', () => {
  it('binds a random domain and carries requests both ways, large bodies included', async () => {
    const p = await usePeer({ authtokens: ['good-token'] });
    const listener = await forward(p);
    const url = listener.url()!;
    expect(url).toMatch(/^https:\/\/[0-9a-f]{12}\.ngrok-free\.app$/);
    expect(p.bound()).toEqual([{ id: listener.id(), url, domain: new URL(url).host }]);
    expect(p.sessions()).toBe(1);

    const f = peerFetch(p);
    const echo = await f(`${url}/hello?x=1`);
    expect(echo.status).toBe(200);
    expect(await echo.json()).toMatchObject({ method: 'GET', url: '/hello?x=1', host: new URL(url).host });
    expect(app.requests[0]!.headers['x-forwarded-proto']).toBe('https');

    // > 256 KiB each way: stalls unless both sides return WNDINC as they consume.
    const down = await f(`${url}/big?n=400000`);
    expect(sha256(await down.arrayBuffer())).toBe(sha256(bigBody(400_000)));
    const upload = bigBody(700_000);
    const up = await f(`${url}/upload`, { method: 'POST', body: upload });
    expect(((await up.json()) as { sha: string }).sha).toBe(sha256(upload));

    // Many proxy streams at once on one session.
    const many = await Promise.all(
      Array.from({ length: 8 }, (_, i) => f(`${url}/n/${i}`).then((r) => r.json())),
    );
    expect(many.map((m) => (m as { url: string }).url)).toEqual(
      Array.from({ length: 8 }, (_, i) => `/n/${i}`),
    );
  });

  it('routes a request sent straight to the public port to the only endpoint, with the tunnel Host', async () => {
    const p = await usePeer();
    const listener = await forward(p, { addr: app.addr, domain: 'my-app.ngrok-free.app' });
    expect(listener.url()).toBe('https://my-app.ngrok-free.app');
    const res = await fetch(`${p.publicBaseUrl}/webhook`, { method: 'POST', body: '{"a":1}' });
    expect(res.status).toBe(200);
    expect(app.requests[0]).toMatchObject({ method: 'POST', url: '/webhook' });
    expect(app.requests[0]!.headers.host).toBe('my-app.ngrok-free.app');
    expect(app.requests[0]!.body.toString()).toBe('{"a":1}');
  });

  it('answers ERR_NGROK_3200 for a host with no endpoint, and the SDK its 502 when the app is down', async () => {
    const p = await usePeer();
    const gone = await peerFetch(p)('https://nobody.ngrok-free.app/');
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('ERR_NGROK_3200');

    await app.close();
    const listener = await forward(p);
    const res = await peerFetch(p)(`${listener.url()}/`);
    expect(res.status).toBe(502);
  });

  it('refuses an unknown authtoken with ERR_NGROK_107', async () => {
    const p = await usePeer({ authtokens: ['good-token'] });
    const err = (await forward(p, { authtoken: 'wrong-token' }).catch((e: unknown) => e)) as SdkError;
    expect(err).toBeInstanceOf(Error);
    expect(err.errorCode).toBe('ERR_NGROK_107');
    expect(err.message).toMatch(/^failed to connect session: .*authtoken/);
    expect(p.sessions()).toBe(0);
  });

  it('refuses a domain in use elsewhere or already bound with ERR_NGROK_334', async () => {
    const p = await usePeer({ domainsInUse: ['taken.ngrok-free.app'] });
    const elsewhere = (await forward(p, { domain: 'taken.ngrok-free.app' }).catch(
      (e: unknown) => e,
    )) as SdkError;
    expect(elsewhere.errorCode).toBe('ERR_NGROK_334');
    expect(elsewhere.message).toMatch(/^failed to start listener: .*already online/);

    await forward(p, { domain: 'mine.ngrok-free.app' });
    const twice = (await forward(p, { domain: 'mine.ngrok-free.app' }).catch((e: unknown) => e)) as SdkError;
    expect(twice.errorCode).toBe('ERR_NGROK_334');
    expect(p.bound().map((b) => b.domain)).toEqual(['mine.ngrok-free.app']);
  });

  it('a dropped session reconnects (closed, then connected), keeps its URL, and requests work again', async () => {
    const p = await usePeer();
    const statuses: string[] = [];
    const listener = await forward(p, { onStatusChange: (s: string) => statuses.push(s) });
    const url = listener.url()!;
    await waitFor(() => statuses.includes('connected'), { timeoutMs: 2000, what: 'the first "connected"' });

    p.dropSessions();
    const reconnected = (): boolean =>
      statuses.includes('closed') && statuses.lastIndexOf('connected') > statuses.indexOf('closed');
    await waitFor(reconnected, { timeoutMs: 5000, what: '"closed" then "connected"' });
    await waitFor(() => p.bound().length === 1, { timeoutMs: 2000, what: 'the re-bind' });
    expect(p.bound()[0]).toMatchObject({ id: listener.id(), url });
    expect(p.sessions()).toBe(1);
    expect((await peerFetch(p)(`${url}/after`)).status).toBe(200);
  });

  it('refuses reconnects for a while, then lets the SDK back in', async () => {
    const p = await usePeer();
    const statuses: string[] = [];
    const listener = await forward(p, { onStatusChange: (s: string) => statuses.push(s) });
    p.refuseReconnectsFor(800);
    const dropped = Date.now();
    p.dropSessions();
    // The SDK retries at 0 and +50 ms (both refused), then at about +2.5 s.
    await waitFor(() => p.bound().length === 1, {
      timeoutMs: 6000,
      what: 'the re-bind after the refusal window',
    });
    expect(Date.now() - dropped).toBeGreaterThanOrEqual(800);
    expect(statuses.filter((s) => s === 'closed').length).toBeGreaterThanOrEqual(2);
    expect((await peerFetch(p)(`${listener.url()}/back`)).status).toBe(200);
  });

  it('a silent peer leaves forward() unsettled; after killing that SDK a new one connects', async () => {
    const p = await usePeer();
    p.setSilent(true);
    child = forkSdkChild();
    const config = { addr: app.addr, authtoken: 'tok', server_addr: p.serverAddr, root_cas: p.caCertPath };
    child.send({ op: 'forward', config });
    const outcome = await Promise.race([
      child.next('url', 2000).then(
        () => 'settled',
        () => 'timeout',
      ),
      child.next('error', 2000).then(
        () => 'settled',
        () => 'timeout',
      ),
    ]);
    expect(outcome).toBe('timeout');
    await child.kill();

    p.setSilent(false);
    child = forkSdkChild();
    child.send({ op: 'forward', config });
    const reply = await child.next('url', 10_000);
    expect(reply).toMatchObject({ type: 'url', url: expect.stringMatching(/ngrok-free\.app$/) });
    expect((await peerFetch(p)(`${(reply as { url: string }).url}/x`)).status).toBe(200);
  });

  it('works with serverAddr "localhost:<port>" (SNI + DNS SAN)', async () => {
    const p = await usePeer({ host: 'localhost' });
    expect(p.serverAddr).toMatch(/^localhost:\d+$/);
    const listener = await forward(p);
    expect((await peerFetch(p)(`${listener.url()}/`)).status).toBe(200);
  });
});
