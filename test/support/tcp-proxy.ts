/**
 * Test-only TCP proxy on 127.0.0.1 in front of a local server: what clients send can be rewritten on its way, and
 * a connection can be cut the moment an answer comes back (the server did the work, the client never hears of it).
 */
import net from 'node:net';

export interface ProxyHooks {
  /** Bytes on their way to the server; returns what to send instead. */
  upstream?: (chunk: Buffer) => Buffer;
  /** Bytes on their way back; 'cut' drops them and closes both sides of that connection. */
  downstream?: (chunk: Buffer) => 'pass' | 'cut';
}

export interface TcpProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `port` (a free one when 0) and forwards each connection to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number, hooks: ProxyHooks = {}, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const server = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (chunk: Buffer) => server.write(hooks.upstream ? hooks.upstream(chunk) : chunk));
    server.on('data', (chunk: Buffer) => {
      if (hooks.downstream?.(chunk) === 'cut') {
        client.destroy();
        server.destroy();
      } else client.write(chunk);
    });
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
