/**
 * The peer's "public" HTTP port. Routing: the `x-ngrok-peer-host` header, else the Host header, names a bound
 * endpoint's domain; a request addressed to the front itself (Host 127.0.0.1/localhost) goes to the only bound
 * endpoint when there is exactly one. The request is carried to the SDK over a Proxy stream (type 3, LE i64 header
 * length, ProxyHeader JSON, then HTTP/1.1 bytes with `Connection: close`) and the response streamed back.
 * Unknown host: 404 with ERR_NGROK_3200, as ngrok answers for an offline endpoint.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PeerRegistry, Binding } from './registry';
import { StreamType } from './rpc-handlers';
import type { MuxStream } from './mux-stream';

export const PEER_HOST_HEADER = 'x-ngrok-peer-host';
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'host',
  PEER_HOST_HEADER,
]);

export interface PublicFront {
  port: number;
  close(): Promise<void>;
}

export async function startPublicFront(registry: PeerRegistry, host = '127.0.0.1'): Promise<PublicFront> {
  const server = http.createServer((req, res) => route(registry, req, res));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function pickBinding(registry: PeerRegistry, req: IncomingMessage): Binding | undefined {
  const named = req.headers[PEER_HOST_HEADER];
  const host = (typeof named === 'string' && named) || req.headers.host || '';
  const found = registry.findByHost(host);
  if (found) return found;
  const all = registry.all();
  const toFront = /^(127\.0\.0\.1|localhost)(:\d+)?$/i.test(host);
  return toFront && all.length === 1 ? all[0] : undefined;
}

function route(registry: PeerRegistry, req: IncomingMessage, res: ServerResponse): void {
  const binding = pickBinding(registry, req);
  if (!binding) {
    res.writeHead(404, { 'content-type': 'text/plain', 'ngrok-error-code': 'ERR_NGROK_3200' });
    res.end(
      `Tunnel ${req.headers[PEER_HOST_HEADER] ?? req.headers.host ?? ''} not found\r\n\r\nERR_NGROK_3200\r\n`,
    );
    return;
  }
  const stream = openProxyStream(binding, req);
  const upstream = http.request({
    createConnection: () => stream as unknown as Socket,
    method: req.method,
    path: req.url,
    headers: forwardHeaders(req, binding),
  });
  upstream.on('response', (up) => {
    const headers: string[] = [];
    for (let i = 0; i + 1 < up.rawHeaders.length; i += 2) {
      const [name, value] = [up.rawHeaders[i]!, up.rawHeaders[i + 1]!];
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, value);
    }
    res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
    up.pipe(res);
    up.on('error', () => res.destroy());
  });
  upstream.on('error', (err) => {
    stream.destroy();
    if (res.headersSent) return void res.destroy();
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`ngrok test peer: proxy stream to the agent failed: ${err.message}\r\n`);
  });
  res.on('close', () => {
    if (!res.writableFinished) stream.destroy();
  });
  req.pipe(upstream);
}

/** Opens a Proxy stream on the binding's session and writes its prefix: type, LE i64 length, ProxyHeader. */
function openProxyStream(binding: Binding, req: IncomingMessage): MuxStream {
  const header = Buffer.from(
    JSON.stringify({
      Id: binding.id,
      ClientAddr: `${req.socket.remoteAddress ?? '0.0.0.0'}:${req.socket.remotePort ?? 0}`,
      Proto: binding.proto,
      EdgeType: '',
      PassthroughTLS: false,
    }),
  );
  const prefix = Buffer.alloc(12);
  prefix.writeUInt32BE(StreamType.Proxy, 0);
  prefix.writeBigInt64LE(BigInt(header.length), 4);
  return binding.session.openStream(Buffer.concat([prefix, header]));
}

/** The client's headers minus hop-by-hop ones, plus ngrok's X-Forwarded-* and the endpoint's Host. */
function forwardHeaders(req: IncomingMessage, binding: Binding): string[] {
  const out: string[] = ['Host', binding.domain];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i]!, req.rawHeaders[i + 1]!];
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, value);
  }
  out.push('X-Forwarded-For', req.socket.remoteAddress ?? '');
  out.push(
    'X-Forwarded-Host',
    binding.domain,
    'X-Forwarded-Proto',
    binding.proto === 'http' ? 'http' : 'https',
  );
  out.push('Connection', 'close');
  return out;
}
