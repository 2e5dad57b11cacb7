/** Helpers for tests that drive the real SDK against the peer: a local app and a forked SDK child. */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../support/wait';
import type { ChildReply, ChildRequest } from './sdk-child';

export const sha256 = (data: Buffer | ArrayBuffer): string =>
  createHash('sha256')
    .update(Buffer.from(data as ArrayBuffer))
    .digest('hex');

export interface LocalApp {
  port: number;
  addr: string;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
  close(): Promise<void>;
}

/** A tiny local HTTP server: `/big?n=N` answers N bytes, anything else echoes a JSON summary of the request. */
export async function startLocalApp(): Promise<LocalApp> {
  const requests: LocalApp['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/big') return void res.end(bigBody(Number(url.searchParams.get('n'))));
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, sha: sha256(body) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    addr: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Deterministic, non-repeating-looking bytes so a reordered or truncated body changes the hash. */
export function bigBody(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

/** The SDK in a forked child: replies arrive in `replies`; `kill()` ends the process (SIGKILL). */
export interface SdkChild {
  replies: ChildReply[];
  send(req: ChildRequest): void;
  next(type: ChildReply['type'], timeoutMs: number): Promise<ChildReply>;
  kill(): Promise<void>;
}

export function forkSdkChild(): SdkChild {
  const child: ChildProcess = fork(fileURLToPath(new URL('./sdk-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ChildReply[] = [];
  child.on('message', (m: ChildReply) => replies.push(m));
  let seen = 0;
  return {
    replies,
    send: (req) => child.send(req),
    next: async (type, timeoutMs) => {
      let found: ChildReply | undefined;
      await waitFor(
        () => {
          const idx = replies.findIndex((r, i) => i >= seen && r.type === type);
          if (idx >= 0) [found, seen] = [replies[idx], idx + 1];
          return idx >= 0;
        },
        { timeoutMs, what: `a "${type}" reply from the SDK child` },
      );
      return found!;
    },
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
