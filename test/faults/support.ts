/**
 * Fault-test helpers: a real host process (`kreo serve` through tsx) on a temp home with the webhook listener on a
 * chosen port, its control API client, Meta-shaped signed bodies with a known message id per event, and a sender
 * that streams events with bounded concurrency and records which ones got a 200. Test-only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { clientFor, probeHost, type ControlClient } from '../../electron/services/control/control-client';
import { readLiveDiscovery, type DiscoveryInfo } from '../../electron/services/control/discovery';
import { signBody } from '../../electron/services/webhook/signature';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(ROOT, 'electron/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export const APP_SECRET = 'faultsecret0123456789abcdef0123';
export const WEBHOOK_PATH = '/webhook';

export interface HostProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly discovery: DiscoveryInfo;
  readonly client: ControlClient;
  readonly webhookUrl: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface HostProcessOptions {
  home: string;
  webhookPort: number;
  env?: NodeJS.ProcessEnv;
  /** Wrap the command, e.g. (argv) => ['bash', '-c', `ulimit -f 2048 && exec ${asShellCommand(argv)}`]. */
  wrap?: (command: string[]) => string[];
  /** Extra node flags before the entry (e.g. IGNORE_SIGXFSZ). */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

/**
 * Node flag for a process under `ulimit -f`: past the limit the kernel both fails the write (EFBIG) and sends
 * SIGXFSZ, whose default action kills the process. A full disk sends no signal (only ENOSPC), so the test host
 * listens for SIGXFSZ to keep just the failing write, as on a real full disk.
 */
export const IGNORE_SIGXFSZ = ['--import', 'data:text/javascript,process.on("SIGXFSZ",()=>{})'];

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
export const asShellCommand = (argv: string[]) => argv.map(shellQuote).join(' ');

/** Starts `kreo --home HOME serve` and waits until its control API answers and its webhook listener is bound. */
export async function startHostProcess(opts: HostProcessOptions): Promise<HostProcess> {
  const base = [
    process.execPath,
    ...(opts.nodeArgs ?? []),
    '--import',
    TSX,
    ENTRY,
    '--home',
    opts.home,
    'serve',
  ];
  const argv = opts.wrap ? opts.wrap(base) : base;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    KREO_SECRETS_BACKEND: 'file',
    KREO_SERVER_HOST: '127.0.0.1',
    KREO_SERVER_PORT: String(opts.webhookPort),
    KREO_META_APP_SECRET: APP_SECRET,
    // Nothing may reach Meta: the Graph base URL is a closed loopback port.
    KREO_META_GRAPH_BASE_URL: 'http://127.0.0.1:9',
    ...opts.env,
  };
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 45_000);
  const discoveryFile = path.join(opts.home, 'run', 'host.json');
  let discovery: DiscoveryInfo | null = null;
  let client: ControlClient | null = null;
  for (;;) {
    if (gone) throw new Error(`host process exited while starting:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`host process not ready in time:\n${out}`);
    }
    if (!discovery) {
      const d = readLiveDiscovery(discoveryFile);
      // The file may still name a killed predecessor until the new host replaces it.
      if (d && d.pid === child.pid && (await probeHost(d, 1000))) {
        discovery = d;
        client = clientFor(d, { timeoutMs: 15_000 });
      }
    }
    if (client) {
      const info = await client.invoke('host:info').catch(() => null);
      if (info?.listening) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const kill = async (signal: NodeJS.Signals) => {
    if (!gone) child.kill(signal);
    await exited;
  };
  return {
    child,
    pid: child.pid!,
    discovery: discovery!,
    client: client!,
    webhookUrl: `http://127.0.0.1:${opts.webhookPort}${WEBHOOK_PATH}`,
    output: () => out,
    exited,
    kill,
    async stop(graceMs = 15_000) {
      client!.close();
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A Meta `messages` envelope with one inbound text whose wamid names the run and the event's index. */
export function eventBody(run: string, i: number): Buffer {
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: '106540352242922' },
              contacts: [{ profile: { name: 'Fault Test' }, wa_id: '16315551181' }],
              messages: [
                {
                  from: '16315551181',
                  id: messageId(run, i),
                  timestamp: String(1_700_000_000 + i),
                  type: 'text',
                  text: { body: `event ${i} of ${run}` },
                },
              ],
            },
          },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(body));
}

export const messageId = (run: string, i: number) => `wamid.${run}.${String(i).padStart(6, '0')}`;

export interface SendOutcome {
  index: number;
  status: number | null;
  error: string | null;
  eventId: number | null;
}

/** POSTs one signed body; never throws (a refused connection is status null). */
export async function postSigned(
  url: string,
  body: Buffer,
  secret = APP_SECRET,
  timeoutMs = 10_000,
): Promise<{ status: number | null; error: string | null; eventId: number | null }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(secret, body) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    const id = res.headers.get('x-kreo-event-id');
    return { status: res.status, error: null, eventId: id ? Number(id) : null };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { status: null, error: cause?.code ?? (err as Error).message, eventId: null };
  }
}

/**
 * Sends events `from..to-1` with `concurrency` requests in flight, calling `onOutcome` after each (in completion
 * order). Outcomes come back sorted by index.
 */
export async function sendStream(opts: {
  url: () => string;
  run: string;
  from: number;
  to: number;
  concurrency: number;
  onOutcome?: (o: SendOutcome) => void | Promise<void>;
}): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = [];
  let next = opts.from;
  const worker = async () => {
    while (next < opts.to) {
      const index = next++;
      const r = await postSigned(opts.url(), eventBody(opts.run, index));
      const o = { index, ...r };
      outcomes.push(o);
      await opts.onOutcome?.(o);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Every message id the host lists (events:list pages through everything stored). */
export async function listedMessageIds(client: ControlClient): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  let beforeId: number | undefined;
  for (;;) {
    const { events } = await client.invoke('events:list', { limit: 1000, ...(beforeId ? { beforeId } : {}) });
    for (const e of events)
      for (const r of e.records) if (r.messageId) seen.set(r.messageId, (seen.get(r.messageId) ?? 0) + 1);
    if (events.length < 1000) return seen;
    beforeId = Math.min(...events.map((e) => e.id));
  }
}
