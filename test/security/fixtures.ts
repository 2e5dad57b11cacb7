/**
 * Fixtures for the security, property and fault tests: a real host built in-process by the composition root (temp
 * home, secrets in the 0600 file, a fake ngrok SDK, outbound HTTP limited to loopback), a raw HTTP client that can
 * send any Host header. Test-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createHost, type Host } from '../../electron/services/host/create-host';
import { FakeNgrokDriver } from '../../electron/services/tunnel/testing';
import { freePort } from '../support/net';

/** fetch that refuses anything but 127.0.0.1/localhost: no test may reach ngrok or Meta. */
export const loopbackFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new TypeError(`test fetch refused a non-loopback URL: ${url.origin}`);
  return fetch(input, init);
};

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly the headers given (Host included), no redirects, no retries. */
export function rawRequest(opts: {
  port: number;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: opts.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { host: `127.0.0.1:${opts.port}`, ...opts.headers },
        setHost: false,
        agent: false,
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${opts.path} timed out`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface TestHost {
  host: Host;
  home: string;
  driver: FakeNgrokDriver;
  env: NodeJS.ProcessEnv;
  /** The control API's port and token. */
  controlPort: number;
  token: string;
  /** The webhook listener's configured port. */
  webhookPort: number;
  /** POST /api/<channel> with the token; returns the parsed Result and the status. */
  call(channel: string, input?: unknown): Promise<{ status: number; body: unknown; text: string }>;
  close(): Promise<void>;
}

/**
 * A started host on a temp home. `env` adds overrides (e.g. KREO_META_APP_SECRET); Meta's Graph base URL points at a
 * closed loopback port unless given.
 */
export async function startTestHost(
  opts: { env?: NodeJS.ProcessEnv; home?: string } = {},
): Promise<TestHost> {
  const home = opts.home ?? mkdtempSync(path.join(os.tmpdir(), 'kreo-sec-'));
  const webhookPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    KREO_SECRETS_BACKEND: 'file',
    KREO_SERVER_PORT: String(webhookPort),
    KREO_META_GRAPH_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    ...opts.env,
  };
  const driver = new FakeNgrokDriver();
  const host = await createHost({
    home,
    mode: 'headless',
    env,
    keychain: null,
    ngrokDriver: driver,
    fetch: loopbackFetch,
  });
  await host.start();
  const control = host.control!;
  const call = async (channel: string, input?: unknown) => {
    const res = await rawRequest({
      port: control.port,
      method: 'POST',
      path: `/api/${encodeURIComponent(channel)}`,
      headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
      body: input === undefined ? '' : JSON.stringify(input),
    });
    let body: unknown = null;
    try {
      body = JSON.parse(res.body);
    } catch {}
    return { status: res.status, body, text: res.body };
  };
  return {
    host,
    home,
    driver,
    env,
    controlPort: control.port,
    token: control.token,
    webhookPort: Number(host.settings.get().server.port),
    call,
    async close() {
      await host.dispose();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
