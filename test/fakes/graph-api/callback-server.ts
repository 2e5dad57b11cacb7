/**
 * A stand-in webhook endpoint for tests of registration: answers Meta's handshake and checks signed POSTs the way
 * the panel's listener does, with switchable misbehaviours (wrong challenge, 403, HTML page, slow, 401, down).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type CallbackMode =
  | 'normal'
  | 'wrong-challenge'
  | 'forbidden'
  | 'html'
  | 'slow'
  | 'reject-signature'
  | 'post-503'
  | 'ngrok-offline';

export interface CallbackServer {
  /** e.g. http://127.0.0.1:5555 — what a tunnel would expose. */
  readonly url: string;
  readonly path: string;
  mode: CallbackMode;
  /** Delay used by mode 'slow'. */
  slowMs: number;
  readonly posts: { headers: http.IncomingHttpHeaders; body: string; signatureOk: boolean }[];
  readonly handshakes: number;
  close(): Promise<void>;
}

export async function startCallbackServer(opts: {
  verifyToken: string;
  appSecret: string;
  path?: string;
}): Promise<CallbackServer> {
  const path = opts.path ?? '/webhook';
  let handshakes = 0;
  const posts: CallbackServer['posts'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state = { mode: 'normal' as CallbackMode, slowMs: 7_000 };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cb.local');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: string, type = 'text/plain') => {
        if (!res.writableEnded) {
          res.writeHead(status, { 'content-type': type });
          res.end(body);
        }
      };
      const mode = state.mode;
      if (mode === 'ngrok-offline') {
        res.writeHead(404, { 'content-type': 'text/html', 'ngrok-error-code': 'ERR_NGROK_3200' });
        res.end('<!DOCTYPE html><html>The endpoint is offline. ERR_NGROK_3200</html>');
        return;
      }
      if (mode === 'slow') {
        const t = setTimeout(() => {
          timers.delete(t);
          respond();
        }, state.slowMs);
        timers.add(t);
        return;
      }
      respond();

      function respond() {
        if (url.pathname !== path) return answer(404, 'not found');
        if (req.method === 'GET') {
          handshakes++;
          if (mode === 'html')
            return answer(
              200,
              '<!DOCTYPE html><html><body>You are about to visit…</body></html>',
              'text/html',
            );
          const ok =
            url.searchParams.get('hub.mode') === 'subscribe' &&
            url.searchParams.get('hub.verify_token') === opts.verifyToken;
          if (!ok || mode === 'forbidden') return answer(403, 'forbidden');
          const challenge = url.searchParams.get('hub.challenge') ?? '';
          return answer(200, mode === 'wrong-challenge' ? `${challenge}0` : challenge);
        }
        if (req.method === 'POST') {
          const raw = Buffer.concat(chunks);
          const header = String(req.headers['x-hub-signature-256'] ?? '');
          const expected = `sha256=${createHmac('sha256', opts.appSecret).update(raw).digest('hex')}`;
          const signatureOk =
            header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
          posts.push({ headers: req.headers, body: raw.toString('utf8'), signatureOk });
          if (!signatureOk || mode === 'reject-signature') return answer(401, 'invalid signature');
          if (mode === 'post-503') return answer(503, 'store unavailable');
          return answer(200, 'EVENT_RECEIVED');
        }
        return answer(405, 'method not allowed');
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    path,
    get mode() {
      return state.mode;
    },
    set mode(m: CallbackMode) {
      state.mode = m;
    },
    get slowMs() {
      return state.slowMs;
    },
    set slowMs(ms: number) {
      state.slowMs = ms;
    },
    posts,
    get handshakes() {
      return handshakes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
