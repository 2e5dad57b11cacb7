/**
 * The control API as a host service (the host has taken the home's lock before this starts): start() listens on
 * 127.0.0.1 (a random port unless one is given; never the webhook port) and writes run/host.json; dispose() closes the
 * server and removes the file (also removed synchronously if the process exits without disposing).
 */
import type { FastifyInstance } from 'fastify';
import { KreoError } from '../../../shared/errors';
import type { EventBus } from '../core/event-bus';
import type { HomePaths } from '../core/home';
import type { Disposable } from '../core/lifecycle';
import type { Invoke } from '../host/invoke';
import { buildControlServer } from './control-server';
import { removeDiscoveryFile, writeDiscoveryFile, type DiscoveryInfo } from './discovery';
import { generateToken } from './guards';

export interface ControlServiceOptions {
  paths: HomePaths;
  invoke: Invoke;
  bus: EventBus;
  mode: 'desktop' | 'headless';
  version: string;
  /** 0 or undefined: a random free port. */
  port?: number;
  /** Ports the control API must never take (the webhook listener's). */
  reservedPorts?: () => number[];
  rendererDir?: string;
  onError?: (err: unknown) => void;
}

export interface ControlService extends Disposable {
  start(): Promise<void>;
  readonly token: string;
  /** The bound port (0 before start). */
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The browser-mode address with the token in the fragment (never sent to the server, never logged). */
  readonly browserUrl: string;
  readonly discovery: DiscoveryInfo | null;
}

export function createControlService(opts: ControlServiceOptions): ControlService {
  const token = generateToken();
  let app: FastifyInstance | undefined;
  let port = 0;
  let discovery: DiscoveryInfo | null = null;
  const onExit = () => {
    if (discovery) removeDiscoveryFile(opts.paths.discoveryFile, discovery);
  };

  return {
    token,
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get browserUrl() {
      return `http://127.0.0.1:${port}/#token=${token}`;
    },
    get discovery() {
      return discovery;
    },

    async start() {
      const wanted = opts.port ?? 0;
      const reserved = opts.reservedPorts?.() ?? [];
      if (wanted !== 0 && reserved.includes(wanted)) {
        throw new KreoError(
          'INVALID_ARGUMENT',
          `The control API cannot use port ${wanted}: the webhook listener uses it.`,
          'Pick another control port, or leave it empty for a random one.',
        );
      }
      for (let attempt = 0; ; attempt++) {
        // A closed Fastify instance cannot listen again, so each attempt builds its own.
        app = await buildControlServer({
          invoke: opts.invoke,
          bus: opts.bus,
          token,
          port: () => port || undefined,
          rendererDir: opts.rendererDir,
          onError: opts.onError,
        });
        await app.listen({ host: '127.0.0.1', port: wanted });
        port = (app.server.address() as { port: number }).port;
        if (wanted !== 0 || !reserved.includes(port) || attempt >= 5) break;
        // A random port that happens to be the webhook port (its listener is down): take another.
        await app.close();
        port = 0;
      }
      discovery = {
        pid: process.pid,
        port,
        token,
        startedAt: new Date().toISOString(),
        version: opts.version,
        mode: opts.mode,
      };
      writeDiscoveryFile(opts.paths.discoveryFile, discovery);
      process.on('exit', onExit);
    },

    async dispose() {
      process.off('exit', onExit);
      if (discovery) removeDiscoveryFile(opts.paths.discoveryFile, discovery);
      discovery = null;
      await app?.close();
      app = undefined;
    },
  };
}
