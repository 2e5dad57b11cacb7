/**
 * Secret redaction, end to end. A real host (in-process, temp home) gets all four secrets set to recognisable values
 * through the control API, plus a one-off ngrok authtoken that is used but never saved; then every request channel
 * is exercised, successes and failures alike (tunnel up, an SDK error that quotes the token, webhook handshakes and
 * signed events, replays to a forward target, Meta calls against the loopback Graph fake, log tails). Afterwards no
 * secret — nor any 8-character piece of one — appears in:
 *   - any control API answer (raw HTTP bodies),
 *   - any IPC payload (the host's invoke results, which the Electron IPC returns verbatim) or pushed event,
 *   - any file in the home folder except the 0600 secrets file (every log file, rotated or not, settings.json,
 *     the discovery file, the event store).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, REQUEST_CHANNELS, type RequestChannel } from '../../shared/contract';
import { clientFor, type ControlClient } from '../../electron/services/control/control-client';
import { signBody } from '../../electron/services/webhook/signature';
import { ALL_SCOPES, startGraphFake, type GraphFake } from '../fakes/graph-api';
import { rawRequest, startTestHost, type TestHost } from './fixtures';

// Short fixed parts around a random core: every 8-character window of a secret holds random characters, so a
// match can only be a leak, never a coincidence with a word like "authtoken".
const tag = randomBytes(5).toString('hex');
const SECRETS = {
  'ngrok.authtoken': `NGRK${tag}_sv`,
  'meta.appSecret': `APPS${tag}x`,
  'meta.accessToken': `EAAG${tag}.t`,
  'meta.verifyToken': `VRFY-${tag}-t`,
};
/** Used for one start and never saved, so value-based log redaction must learn it some other way. */
const ONE_OFF_AUTHTOKEN = `ONE${tag}_ot`;

/** Every 8-character piece of every secret value seen during the run. */
function pieces(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const v of values) for (let i = 0; i + 8 <= v.length; i++) out.add(v.slice(i, i + 8));
  return [...out];
}

function leaksIn(text: string, values: Iterable<string>): string[] {
  return pieces(values).filter((p) => text.includes(p) || text.includes(encodeURIComponent(p)));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

let t: TestHost;
let graph: GraphFake;
let target: http.Server;
let targetUrl = '';
let client: ControlClient;
const answers: { what: string; text: string }[] = [];
const ipc: { what: string; text: string }[] = [];
const pushes: string[] = [];
const secretValues = new Set<string>([...Object.values(SECRETS), ONE_OFF_AUTHTOKEN]);

async function viaApi(channel: string, input?: unknown) {
  const res = await t.call(channel, input);
  answers.push({ what: `${channel} ${JSON.stringify(input) ?? ''} → ${res.status}`, text: res.text });
  return res;
}
async function viaIpc(channel: RequestChannel, input?: unknown) {
  const result = await t.host.invoke(channel, input);
  ipc.push({ what: `${channel} ${JSON.stringify(input) ?? ''}`, text: JSON.stringify(result) });
  return result;
}
/** Both transports, same input. */
async function both(channel: RequestChannel, input?: unknown) {
  await viaApi(channel, input);
  return viaIpc(channel, input);
}
const remember = () => t.host.settings.secretValues().forEach((v) => secretValues.add(v));

beforeAll(async () => {
  target = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.url?.includes('fail') ? 500 : 200).end('ok'));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}/hook`;
  graph = await startGraphFake({
    appSecret: SECRETS['meta.appSecret'],
    tokens: [{ token: SECRETS['meta.accessToken'], scopes: ALL_SCOPES, expiresAt: 0 }],
  });
  t = await startTestHost({ env: { KREO_META_GRAPH_BASE_URL: graph.url } });
  client = clientFor(t.host.control!.discovery!);
  for (const event of EVENT_CHANNELS) client.on(event, (payload) => pushes.push(JSON.stringify(payload)));
}, 60_000);

afterAll(async () => {
  client?.close();
  await t?.close();
  await graph?.close();
  await new Promise((r) => target?.close(r));
});

describe('secret redaction across logs, IPC payloads and control API answers', () => {
  it('never lets a secret out, through any channel, in success or failure', async () => {
    // Secrets arrive through the control API, like the settings screen and `kreo config set` send them.
    for (const [key, value] of Object.entries(SECRETS))
      await viaApi('settings:set', { patch: { [key]: value } });
    await both('settings:set', {
      patch: {
        'meta.appId': graph.state.appId,
        'meta.phoneNumberId': graph.state.phoneNumberId,
        'meta.wabaId': graph.state.wabaId,
        'forward.url': targetUrl,
        'log.level': 'debug',
      },
    });
    // A refused secret value must not be echoed back either.
    await both('settings:set', {
      patch: { 'meta.accessToken': `${SECRETS['meta.accessToken']} with spaces` },
    });
    await both('settings:set', { patch: { 'meta.appSecret': `${SECRETS['meta.appSecret']}!` } });
    await both('settings:get');
    remember();
    expect(t.host.settings.get().meta.appSecret).toBe(SECRETS['meta.appSecret']);

    // Tunnel: a failing start whose SDK error quotes the one-off token, then a good start with it, then the saved one.
    t.driver.onForward = async (cfg) => {
      throw new Error(
        `failed to start tunnel: authentication failed for authtoken ${cfg.authtoken} (ERR_NGROK_107)`,
      );
    };
    await both('tunnel:start', { authtoken: ONE_OFF_AUTHTOKEN });
    await both('tunnel:start');
    t.driver.onForward = async () => ({ url: 'https://kreo-redaction.ngrok-free.app' });
    await both('tunnel:start', { authtoken: ONE_OFF_AUTHTOKEN });
    await both('tunnel:status');
    await both('tunnel:testConnection');
    await both('tunnel:restart');
    for (const forward of t.driver.forwards) secretValues.add(forward.authtoken);

    // The webhook listener: handshakes (right and wrong token), signed and badly signed events.
    const hook = `/webhook`;
    for (const token of [SECRETS['meta.verifyToken'], `${SECRETS['meta.verifyToken']}x`]) {
      const q = new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.verify_token': token,
        'hub.challenge': '12345',
      });
      const res = await rawRequest({ port: t.webhookPort, path: `${hook}?${q}` });
      answers.push({ what: `handshake ${res.status}`, text: res.body });
    }
    const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [] }));
    for (const secret of [SECRETS['meta.appSecret'], 'wrong-secret']) {
      const res = await rawRequest({
        port: t.webhookPort,
        method: 'POST',
        path: hook,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signBody(secret, body),
          authorization: `Bearer ${SECRETS['meta.accessToken']}`,
        },
        body,
      });
      answers.push({ what: `webhook POST ${res.status}`, text: res.body });
    }

    // Events: simulate, list, read, replay as received and edited (re-signed with the app secret), to a failing target.
    await both('events:trigger', { kind: 'text' });
    await both('events:trigger', { kind: 'status-failed' });
    const listed = (await viaIpc('events:list', { limit: 10 })) as {
      ok: boolean;
      value?: { events: { id: number }[] };
    };
    const ids = listed.ok ? listed.value!.events.map((e) => e.id) : [];
    for (const id of ids.slice(0, 3)) {
      await both('events:get', { id });
      await both('events:replay', { id });
      await both('events:replay', {
        id,
        body: JSON.stringify({ object: 'whatsapp_business_account', entry: [], edited: true }),
      });
    }
    await both('settings:set', { patch: { 'forward.url': `${targetUrl}/fail` } });
    if (ids[0]) await both('events:replay', { id: ids[0] });
    await both('events:stats');

    // Meta: registration (preflight through a public URL this test cannot reach), health, sending, limits.
    await both('webhook:status');
    await both('webhook:register');
    await both('webhook:unregister');
    await both('health:run');
    await both('health:get');
    await both('send:text', { to: '16315551181', text: 'hola' });
    await both('send:template', { to: '16315551181', name: 'hello_world', language: 'en_US' });
    await both('ratelimit:status');
    // A token Meta refuses: the error must not quote it.
    await viaApi('settings:set', { patch: { 'meta.accessToken': `EAAGRV${tag}` } });
    remember();
    await both('health:run');
    await both('send:text', { to: '16315551181', text: 'again' });

    await both('settings:generateVerifyToken');
    remember();
    await both('tunnel:stop');
    await both('host:info');
    // Every channel at least once (those not reached above get an empty input).
    const reached = new Set([...answers, ...ipc].map((a) => a.what.split(' ')[0]));
    for (const channel of REQUEST_CHANNELS)
      if (!reached.has(channel) && channel !== 'host:shutdown') await both(channel);
    for (const file of ['whatsapp', 'ngrok', 'webhook'] as const)
      await both('logs:tail', { file, lines: 2000 });

    // Let pushes arrive, then close the host so every log line is flushed to disk.
    await new Promise((r) => setTimeout(r, 300));
    remember();
    const home = t.home;
    client.close();
    await t.host.dispose();

    // Answers and IPC payloads.
    const leaks: string[] = [];
    for (const a of answers)
      for (const l of leaksIn(a.text, secretValues)) leaks.push(`control API ${a.what}: …${l}…`);
    for (const a of ipc) for (const l of leaksIn(a.text, secretValues)) leaks.push(`IPC ${a.what}: …${l}…`);
    for (const p of pushes)
      for (const l of leaksIn(p, secretValues)) leaks.push(`pushed event: …${l}… in ${p.slice(0, 200)}`);

    // Every file in the home folder but the secrets file.
    const files = filesUnder(home);
    const secretsFile = path.join(home, 'secrets.json');
    expect(files).toContain(secretsFile);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const logFiles = files.filter((f) => f.includes(`${path.sep}logs${path.sep}`));
    expect(logFiles.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['whatsapp.log', 'ngrok_manager.log']),
    );
    for (const file of files) {
      if (file === secretsFile) continue;
      const text = readFileSync(file).toString('latin1');
      for (const l of leaksIn(text, secretValues)) leaks.push(`${path.relative(home, file)}: …${l}…`);
    }
    expect(leaks).toEqual([]);

    // The run really produced material to check: lines in the logs, answers for every channel, pushes.
    expect(
      readFileSync(path.join(home, 'logs/whatsapp/whatsapp.log'), 'utf8').split('\n').length,
    ).toBeGreaterThan(20);
    expect(readFileSync(path.join(home, 'logs/whatsapp/ngrok_manager.log'), 'utf8')).toMatch(
      /ERR_NGROK_107|authentication/i,
    );
    expect(answers.length).toBeGreaterThan(REQUEST_CHANNELS.length);
    expect(pushes.length).toBeGreaterThan(0);
    // Meta's side really ran: the Graph fake was called, with the saved token and with the revoked one.
    const auths = new Set(graph.state.requests.map((r) => r.auth));
    expect(auths.has('user') && auths.has('invalid'), JSON.stringify(graph.state.requests)).toBe(true);
  }, 120_000);
});
