/**
 * `kreo host status|stop`: the running host (headless or the desktop app) for this home. `stop` asks it to shut down
 * through the control API, waits for the process to end, and falls back to SIGTERM (only ever sent to a pid that has
 * just answered as the host).
 */
import type { Command } from 'commander';
import { KreoError } from '../../../shared/errors';
import { isPidAlive, removeDiscoveryFile } from '../../services/control/discovery';
import type { CliContext } from '../context';

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (isPidAlive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export function register(program: Command, ctx: CliContext): void {
  const host = program.command('host').description('the background or desktop host for this home');

  host
    .command('status')
    .description('whether a host runs, and where')
    .action(async () => {
      const live = await ctx.host();
      const value = live
        ? { running: true, ...(await live.client.invoke('host:info')), port: live.info.port }
        : null;
      ctx.out.result(value ?? { running: false, home: ctx.paths().root }, (v) =>
        'pid' in v
          ? [
              `Host running: ${v.mode}, pid ${v.pid}, since ${v.startedAt}`,
              `Home:         ${v.home}`,
              `Control API:  http://127.0.0.1:${v.port}`,
              `Webhook:      ${v.webhookUrl} (${v.listening ? 'listening' : 'not listening'})`,
            ]
          : `No KREO host is running for ${v.home}.`,
      );
    });

  host
    .command('stop')
    .description('stop the running host (and its tunnel)')
    .action(async () => {
      // Only a pid that has just answered host:info as itself is ever signalled: a stale run/host.json (a dead or
      // reused pid) is removed by the lookup and reported as "not running".
      const live = await ctx.host();
      if (!live) {
        ctx.out.result({ stopped: false, running: false }, () => 'No KREO host is running.');
        return;
      }
      const { info } = live;
      const spinner = ctx.out.spinner(`Stopping the host (pid ${info.pid})…`);
      try {
        let asked = false;
        try {
          asked = (await live.client.invoke('host:shutdown')).stopping;
        } catch {
          asked = false;
        }
        if (!asked && info.mode === 'desktop')
          throw new KreoError(
            'UNAVAILABLE',
            'The desktop app did not agree to stop.',
            'Quit it from its tray icon menu.',
          );
        let gone = await waitForExit(info.pid, asked ? 15_000 : 0);
        if (!gone) {
          process.kill(info.pid, 'SIGTERM');
          gone = await waitForExit(info.pid, 5_000);
        }
        if (!gone)
          throw new KreoError(
            'TIMEOUT',
            `The host (pid ${info.pid}) did not stop.`,
            `Stop it by hand: kill ${info.pid}`,
          );
        removeDiscoveryFile(ctx.paths().discoveryFile, info);
      } finally {
        spinner.stop();
      }
      ctx.out.result(
        { stopped: true, running: false, pid: info.pid },
        () => `Host stopped (pid ${info.pid}).`,
      );
    });
}
