/**
 * startNgrokPeer(): a loopback stand-in for ngrok's service that the real @ngrok/ngrok SDK talks to, unmodified,
 * through `server_addr` + `session_ca_cert`/`root_cas`. Test-only; never shipped.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { makePeerCerts } from './certs';
import { MuxSession } from './mux-session';
import { startPublicFront } from './public-front';
import { PeerRegistry, type BoundInfo } from './registry';
import { handleTypedStream, type SessionContext } from './rpc-handlers';

export interface NgrokPeerOptions {
  /** Accepted authtokens; others get ERR_NGROK_107. Omitted: any non-empty token is accepted. */
  authtokens?: string[];
  /** Domains "online elsewhere": binding them gives ERR_NGROK_334. */
  domainsInUse?: string[];
  /** The name put in serverAddr (the peer always listens on 127.0.0.1; both names are in the cert). */
  host?: '127.0.0.1' | 'localhost';
  /** Debug lines (auth, bind, faults). Default: stderr when NGROK_PEER_DEBUG is set. */
  log?: (line: string) => void;
}

export interface NgrokPeer {
  /** For the SDK's `server_addr` / the `ngrok.serverAddr` setting: "127.0.0.1:<port>" or "localhost:<port>". */
  serverAddr: string;
  /** The test CA (PEM) for `session_ca_cert`. */
  caPem: string;
  /** The same CA in a temp file, for `root_cas` / the `ngrok.caCertPath` setting. */
  caCertPath: string;
  publicPort: number;
  /** http://127.0.0.1:<publicPort> */
  publicBaseUrl: string;
  /** Maps a tunnel URL (https://<domain>/path?q) to the public front (keeps path and query). */
  urlFor(listenerUrl: string): string;
  /** Authenticated agent sessions whose connection is open (the SDK leaves its socket open after kill()). */
  sessions(): number;
  /** Destroys every agent connection: the SDK sees the transport drop and reconnects. */
  dropSessions(): void;
  /** For the next `ms`, agent connections are closed right after TCP accept (SDK: "tls handshake error"). */
  refuseReconnectsFor(ms: number): void;
  /** While on, new agent connections are accepted at TCP level and never answered (no TLS). */
  setSilent(on: boolean): void;
  bound(): BoundInfo[];
  /** Destroys all sockets, stops both servers and removes the temp dir. */
  close(): Promise<void>;
}

export async function startNgrokPeer(opts: NgrokPeerOptions = {}): Promise<NgrokPeer> {
  const log =
    opts.log ??
    (process.env.NGROK_PEER_DEBUG
      ? (line: string) => process.stderr.write(`[ngrok-peer] ${line}\n`)
      : () => {});
  const certs = await makePeerCerts();
  const dir = await mkdtemp(path.join(tmpdir(), 'ngrok-peer-'));
  const caCertPath = path.join(dir, 'ca.pem');
  await writeFile(caCertPath, certs.caPem);

  const registry = new PeerRegistry(
    opts.authtokens ? new Set(opts.authtokens) : null,
    new Set((opts.domainsInUse ?? []).map((d) => d.toLowerCase())),
  );
  const secureContext = tls.createSecureContext({ key: certs.keyPem, cert: certs.certPem });
  const rawSockets = new Set<net.Socket>();
  const muxSessions = new Set<MuxSession>();
  let refuseUntil = 0;
  let silent = false;

  const agentServer = net.createServer((socket) => {
    rawSockets.add(socket);
    socket.on('close', () => rawSockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    if (Date.now() < refuseUntil) {
      log('refusing an agent connection');
      return void socket.destroy();
    }
    if (silent) return log('accepted an agent connection; staying silent');
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
    secure.on('error', () => undefined);
    const ctx: SessionContext = { session: undefined as unknown as MuxSession, clientId: null, log };
    ctx.session = new MuxSession(secure, (stream, type) => handleTypedStream(ctx, registry, stream, type));
    muxSessions.add(ctx.session);
    ctx.session.onClose(() => {
      muxSessions.delete(ctx.session);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => agentServer.listen(0, '127.0.0.1', resolve));
  const front = await startPublicFront(registry);
  const publicBaseUrl = `http://127.0.0.1:${front.port}`;
  let closed = false;

  return {
    serverAddr: `${opts.host ?? '127.0.0.1'}:${(agentServer.address() as AddressInfo).port}`,
    caPem: certs.caPem,
    caCertPath,
    publicPort: front.port,
    publicBaseUrl,
    urlFor: (listenerUrl) => {
      const u = new URL(listenerUrl);
      return `${publicBaseUrl}${u.pathname}${u.search}`;
    },
    sessions: () => registry.sessionCount(),
    dropSessions: () => {
      log(`dropping ${muxSessions.size} agent connection(s)`);
      for (const s of [...muxSessions]) s.close();
    },
    refuseReconnectsFor: (ms) => {
      refuseUntil = Date.now() + ms;
    },
    setSilent: (on) => {
      silent = on;
    },
    bound: () => registry.all().map(({ id, url, domain }) => ({ id, url, domain })),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const s of [...muxSessions]) s.close();
      for (const s of [...rawSockets]) s.destroy();
      await Promise.all([new Promise<void>((resolve) => agentServer.close(() => resolve())), front.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
