/**
 * Owns the listening socket of the webhook server. A Fastify instance listens once, so a change of `server.host` or
 * `server.port` builds a new instance, binds it, and only then closes the old one (if the new address cannot be
 * bound, the old one keeps serving and the error is reported). Path, tokens and secret need no re-listen.
 */
import type { FastifyInstance } from 'fastify';
import { Emitter } from '../core/lifecycle';
import { reachableHost } from '../core/reachable-host';
import type { ModuleLogger } from '../logging/types';

export interface ListenerAddress {
  host: string;
  port: number;
  /** Local webhook URL, e.g. http://127.0.0.1:8000/webhook */
  url: string;
}

export interface ListenerState {
  address: ListenerAddress | null;
  error: string | null;
}

export interface WebhookListenerDeps {
  build: () => FastifyInstance;
  host: () => string;
  /** 0 picks a free port (tests). */
  port: () => number;
  path: () => string;
  log: ModuleLogger;
}

export class WebhookListener {
  private app: FastifyInstance | null = null;
  private bound: { host: string; port: number; requestedPort: number } | null = null;
  private lastError: string | null = null;
  private chain: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly changed = new Emitter<ListenerState>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: WebhookListenerDeps) {}

  address(): ListenerAddress | null {
    if (!this.bound) return null;
    const url = `http://${reachableHost(this.bound.host)}:${this.bound.port}${this.deps.path()}`;
    return { host: this.bound.host, port: this.bound.port, url };
  }

  error(): string | null {
    return this.lastError;
  }

  /** Binds to the configured address; resolves even when binding fails (see error()). */
  start(): Promise<void> {
    return this.serial(() => this.bind());
  }

  /** Re-binds if host or port changed. */
  relisten(): Promise<void> {
    return this.serial(async () => {
      const host = this.deps.host();
      const port = this.deps.port();
      if (this.bound && this.bound.host === host && this.bound.requestedPort === port) return;
      await this.bind();
    });
  }

  dispose(): Promise<void> {
    this.disposed = true;
    return this.serial(async () => {
      const app = this.app;
      this.app = null;
      this.bound = null;
      if (app) await app.close();
      this.changed.dispose();
    });
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async tryListen(host: string, port: number): Promise<FastifyInstance> {
    const app = this.deps.build();
    try {
      await app.listen({ host, port });
      return app;
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
  }

  private async bind(): Promise<void> {
    if (this.disposed) return;
    const host = this.deps.host();
    const port = this.deps.port();
    const old = this.app;
    let app: FastifyInstance | null = null;
    let failure: unknown = null;
    try {
      app = await this.tryListen(host, port);
    } catch (err) {
      failure = err;
    }
    // The new address may overlap the old socket (same port, other interface): free it and try once more.
    if (
      !app &&
      old &&
      (failure as NodeJS.ErrnoException).code === 'EADDRINUSE' &&
      this.bound?.port === port
    ) {
      await old.close();
      this.app = null;
      this.bound = null;
      try {
        app = await this.tryListen(host, port);
      } catch (err) {
        failure = err;
      }
    }
    if (!app) {
      this.fail(host, port, failure);
      return;
    }
    if (this.app && this.app !== app) await this.app.close();
    this.app = app;
    const addr = app.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    this.bound = { host, port: actualPort, requestedPort: port };
    this.lastError = null;
    this.deps.log.info({ host, port: actualPort }, `webhook listener on ${this.address()!.url}`);
    this.changed.fire({ address: this.address(), error: null });
  }

  private fail(host: string, port: number, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    this.lastError =
      code === 'EADDRINUSE'
        ? `Port ${port} on ${host} is already in use; change server.port.`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `Cannot listen on ${host}: no such local address; change server.host.`
          : `Cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`;
    this.deps.log.error({ host, port, code }, this.lastError);
    this.changed.fire({ address: this.address(), error: this.lastError });
  }
}
