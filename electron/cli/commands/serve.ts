/**
 * `kreo serve [--open] [--control-port N]`: runs a headless host in the foreground until Ctrl-C / SIGTERM (or
 * `kreo host stop`), and prints the browser-mode URL (token in the fragment). `--background` is what
 * `kreo ngrok start` uses to start a detached host: it prints no URL.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { appRoot } from '../../services/host/app-root';
import type { Host } from '../../services/host/create-host';
import type { ModuleLogger } from '../../services/logging/types';
import type { CliContext } from '../context';
import { parsePort } from '../format';

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
  } catch {}
}

type ServeFlags = { open?: boolean; controlPort?: number; background?: boolean };

/** Builds and starts the host, prints where it is, and waits for Ctrl-C / SIGTERM / `kreo host stop`. */
async function serveUntilStopped(ctx: CliContext, o: ServeFlags, built: (host: Host) => void): Promise<void> {
  const { createHost } = await import('../../services/host/create-host');
  const host = await createHost({
    home: ctx.paths().root,
    mode: 'headless',
    env: ctx.env,
    controlPort: o.controlPort ?? 0,
  });
  built(host);
  try {
    await host.start();
  } catch (err) {
    await host.dispose().catch(() => {});
    throw err;
  }
  const control = host.control!;
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (process.platform !== 'win32') process.once('SIGHUP', () => resolve('SIGHUP'));
    host.onDidRequestShutdown(() => resolve('kreo host stop'));
  });

  const rendererBuilt = existsSync(path.join(appRoot().rendererDir, 'index.html'));
  if (o.background) {
    process.stdout.write(`host ready: pid ${process.pid}, control port ${control.port}\n`);
  } else {
    ctx.out.result(
      {
        pid: process.pid,
        home: host.paths.root,
        controlUrl: control.url,
        browserUrl: control.browserUrl,
        discoveryFile: host.paths.discoveryFile,
      },
      (v) => [
        `KREO host running (pid ${v.pid}, home ${v.home})`,
        `Panel:       ${v.browserUrl}`,
        ...(rendererBuilt ? [] : ['             (not built yet: run "npm run build" to get the screens)']),
        `Control API: ${v.controlUrl} (bearer token in ${v.discoveryFile})`,
        ...host.startFailures.map(
          (f) => `Warning: ${f.name} did not start (see kreo ngrok logs --file whatsapp)`,
        ),
        'Press Ctrl-C to stop.',
      ],
    );
    if (o.open) openInBrowser(control.browserUrl);
  }

  const why = await stopped;
  ctx.out.note(`Stopping (${why})…`);
  // A second Ctrl-C while disposing forces the exit.
  process.once('SIGINT', () => process.exit(1));
  const force = setTimeout(() => process.exit(1), 15_000);
  force.unref();
  await host.dispose();
  clearTimeout(force);
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the KREO host here until Ctrl-C, with the panel in your browser')
    .option('--open', 'open the panel in the default browser')
    .option('--control-port <n>', 'port of the control API (default: a random free port)', parsePort)
    .addOption(new Option('--background', 'started by kreo itself, detached').hideHelp())
    .action(async (o: ServeFlags) => {
      const { installSafetyNet } = await import('../../services/host/process-safety-net');
      let host: Host | undefined;
      let logger: ModuleLogger | null = null;
      // A stray rejection or exception is logged (CRITICAL, whatsapp.log; stderr before the host exists) and the
      // host keeps serving; a burst of uncaught exceptions stops it cleanly and exits 1.
      const safetyNet = installSafetyNet({
        logger: () => logger,
        onFatal: () => {
          setTimeout(() => process.exit(1), 15_000).unref();
          void Promise.resolve(host?.dispose())
            .catch(() => {})
            .finally(() => process.exit(1));
        },
      });
      try {
        await serveUntilStopped(ctx, o, (h) => {
          host = h;
          logger = h.logging.whatsapp.child({ module: 'process' });
        });
      } finally {
        safetyNet.dispose();
      }
    });
}
