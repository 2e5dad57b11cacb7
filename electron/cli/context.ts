/**
 * What every command module gets: the resolved home, output helpers, and the ways to reach the host.
 * Domain engineers add `electron/cli/commands/<domain>.ts` exporting `register(program, ctx)` and list it in
 * commands/index.ts; inside actions they call `ctx.client()` (fails with HOST_NOT_RUNNING + hint) or
 * `await ctx.ensureHost()` (starts a background host when none runs), and print with `ctx.out.result(value, human)`.
 * Throwing a KreoError from an action prints it (message + hint, or the JSON envelope) and sets the exit code.
 */
import type { Command } from 'commander';
import type { SettingsService } from '../services/settings/types';
import { ensureHome, resolveHome, type HomePaths } from '../services/core/home';
import { connectToHost, type ControlClient } from '../services/control/control-client';
import { readLiveDiscovery, type DiscoveryInfo } from '../services/control/discovery';
import { Output, type Streams } from './output';

export interface CliContext {
  /** Output bound to the global --json flag. */
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  /** The home folder (from --home, KREO_HOME or the default), created on first use. */
  paths(): HomePaths;
  /** The running host's discovery info, or null. */
  liveHost(): DiscoveryInfo | null;
  /** A client of the running host; throws KreoError HOST_NOT_RUNNING (hint: kreo serve) when none runs. */
  client(): ControlClient;
  /** A client of the running host, starting a headless host in the background first when none runs. */
  ensureHost(): Promise<{ client: ControlClient; started: boolean }>;
  /** This process's own settings service (for commands that work without a host); disposed at exit. */
  settings(): Promise<SettingsService>;
  /** Set a non-zero exit code without throwing (e.g. a health check failed). */
  exitCode: number;
  /** Runs at exit, in reverse order (closing clients, settings). */
  onExit(fn: () => void | Promise<void>): void;
}

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
    liveHost() {
      return readLiveDiscovery(ctx.paths().discoveryFile);
    },
    client() {
      const client = connectToHost(ctx.paths().discoveryFile);
      exitHooks.push(() => client.close());
      return client;
    },
    async ensureHost() {
      if (ctx.liveHost()) return { client: ctx.client(), started: false };
      const { startBackgroundHost } = await import('./background-host');
      const spinner = ctx.out.spinner('Starting the KREO host in the background…');
      try {
        await startBackgroundHost({
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
      return { client: ctx.client(), started: true };
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
