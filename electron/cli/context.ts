/**
 * What every command module gets: the resolved home, output helpers, and the ways to reach the host.
 * Domain engineers add `electron/cli/commands/<domain>.ts` exporting `register(program, ctx)` and list it in
 * commands/index.ts; inside actions they call `await ctx.client()` (fails with HOST_NOT_RUNNING + hint),
 * `await ctx.ensureHost()` (starts a background host when none runs) or `ctx.withHost(online, offline)` (the host when
 * one runs, else work locally), and print with `ctx.out.result(value, human)`. The host is looked up once per command:
 * it counts only if its pid is alive and its control API answers as that pid (a stale run/host.json is removed).
 * Throwing a KreoError from an action prints it (message + hint, or the JSON envelope) and sets the exit code.
 */
import type { Command } from 'commander';
import type { SettingsService } from '../services/settings/types';
import { ensureHome, resolveHome, type HomePaths } from '../services/core/home';
import { KreoError } from '../../shared/errors';
import { clientFor, type ControlClient } from '../services/control/control-client';
import type { DiscoveryInfo } from '../services/control/discovery';
import { lookupHost } from '../services/control/live-host';
import { Output, type Streams } from './output';

export interface CliContext {
  /** Output bound to the global --json flag. */
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  /** The home folder (from --home, KREO_HOME or the default), created on first use. */
  paths(): HomePaths;
  /**
   * The running host (its pid alive and answering host:info as itself), looked up once per command; null when none
   * runs. Throws UNAVAILABLE when the pid lives and its port accepts but nothing answers in time.
   */
  host(): Promise<LiveHost | null>;
  /** A client of the running host; throws KreoError HOST_NOT_RUNNING (hint: kreo serve) when none runs. */
  client(): Promise<ControlClient>;
  /** `online(client, info)` when a host runs, else `offline()` (the same settings, store and logs, in this process). */
  withHost<T>(
    online: (client: ControlClient, info: DiscoveryInfo) => Promise<T>,
    offline: () => Promise<T>,
  ): Promise<T>;
  /** A client of the running host, starting a headless host in the background first when none runs. */
  ensureHost(): Promise<{ client: ControlClient; started: boolean }>;
  /** This process's own settings service (for commands that work without a host); disposed at exit. */
  settings(): Promise<SettingsService>;
  /** Set a non-zero exit code without throwing (e.g. a health check failed). */
  exitCode: number;
  /** Runs at exit, in reverse order (closing clients, settings). */
  onExit(fn: () => void | Promise<void>): void;
}

export interface LiveHost {
  info: DiscoveryInfo;
  client: ControlClient;
}

const START_HINT = 'Start one with "kreo serve" (or open the desktop app).';

export interface ContextOptions {
  program: Command;
  streams: Streams;
  env: NodeJS.ProcessEnv;
  /** How to re-run this CLI for a background host; defaults to this process's node, flags and entry script. */
  selfCommand?: { command: string; args: string[] };
}

export function createContext(opts: ContextOptions): CliContext & { runExitHooks(): Promise<void> } {
  const exitHooks: (() => void | Promise<void>)[] = [];
  let paths: HomePaths | undefined;
  let settings: Promise<SettingsService> | undefined;
  let hostLookup: Promise<LiveHost | null> | undefined;
  const connect = (info: DiscoveryInfo): LiveHost => {
    const client = clientFor(info);
    exitHooks.push(() => client.close());
    return { info, client };
  };
  const globals = () => opts.program.opts<{ json?: boolean; home?: string }>();

  const ctx = {
    env: opts.env,
    exitCode: 0,
    get out() {
      return new Output(opts.streams, globals().json === true);
    },
    paths() {
      paths ??= ensureHome(resolveHome({ home: globals().home, env: opts.env }));
      return paths;
    },
    host() {
      if (hostLookup) return hostLookup;
      const lookup = (async () => {
        const found = await lookupHost(ctx.paths().discoveryFile);
        if (found.state === 'none') return null;
        if (found.state === 'silent')
          throw new KreoError(
            'UNAVAILABLE',
            `The KREO host named in run/host.json (pid ${found.info.pid}) does not answer.`,
            `It may be busy: try again in a moment. If it stays silent, check that pid ${found.info.pid} is KREO before stopping it (kill ${found.info.pid}).`,
            { pid: found.info.pid, port: found.info.port },
          );
        return connect(found.info);
      })();
      hostLookup = lookup;
      // A failed lookup is not remembered: the next call looks again.
      lookup.catch(() => {
        if (hostLookup === lookup) hostLookup = undefined;
      });
      return lookup;
    },
    async client() {
      const live = await ctx.host();
      if (!live) throw new KreoError('HOST_NOT_RUNNING', undefined, START_HINT);
      return live.client;
    },
    async withHost<T>(
      online: (client: ControlClient, info: DiscoveryInfo) => Promise<T>,
      offline: () => Promise<T>,
    ): Promise<T> {
      const live = await ctx.host();
      return live ? online(live.client, live.info) : offline();
    },
    async ensureHost() {
      const live = await ctx.host();
      if (live) return { client: live.client, started: false };
      const { startBackgroundHost } = await import('./background-host');
      const spinner = ctx.out.spinner('Starting the KREO host in the background…');
      let info: DiscoveryInfo;
      try {
        info = await startBackgroundHost({
          paths: ctx.paths(),
          env: opts.env,
          self: opts.selfCommand ?? {
            command: process.execPath,
            args: [...process.execArgv, process.argv[1]!],
          },
        });
      } finally {
        spinner.stop();
      }
      const started = connect(info);
      hostLookup = Promise.resolve(started);
      return { client: started.client, started: true };
    },
    settings() {
      settings ??= (async () => {
        const { createSettingsService } = await import('../services/settings');
        const service = await createSettingsService({ paths: ctx.paths(), env: opts.env });
        exitHooks.push(() => service.dispose());
        return service;
      })();
      return settings;
    },
    onExit(fn: () => void | Promise<void>) {
      exitHooks.push(fn);
    },
    async runExitHooks() {
      for (const fn of exitHooks.splice(0).reverse()) {
        try {
          await fn();
        } catch {}
      }
    },
  };
  return ctx;
}
