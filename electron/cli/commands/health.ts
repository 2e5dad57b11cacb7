/**
 * `kreo health [--json]`: every check (meta, redis, tunnel, webhook, listener, store, secrets) with its state,
 * detail and hint. Exit code 1 when any check failed. Runs in the host when one runs, else in this process.
 */
import type { Command } from 'commander';
import type { HealthReport, HealthState } from '../../../shared/domain/meta';
import type { CliContext } from '../context';
import { withMeta } from './meta-cli';

const MARK: Record<HealthState, string> = { ok: '✔', warning: '!', failed: '✖', not_configured: '-' };
const WORDS: Record<HealthState, string> = {
  ok: 'ok',
  warning: 'warning',
  failed: 'FAILED',
  not_configured: 'not configured',
};

export function healthLines(r: HealthReport): string[] {
  const lines = [`Health: ${WORDS[r.overall]} (checked ${r.checkedAt})`];
  for (const c of r.checks) {
    lines.push(`  ${MARK[c.state]} ${c.name.padEnd(9)} ${WORDS[c.state].padEnd(15)} ${c.detail}`);
    if (c.hint && c.state !== 'ok') lines.push(`${' '.repeat(29)}→ ${c.hint}`);
  }
  return lines;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('health')
    .description(
      'check Meta credentials, the number, Redis, the tunnel, the webhook registration, listener, store and secrets',
    )
    .action(async () => {
      const spinner = ctx.out.spinner('Running health checks…');
      const report = await withMeta(
        ctx,
        (c) => c.invoke('health:run'),
        (m) => m.health.run(),
      ).finally(() => spinner.stop());
      if (report.checks.some((c) => c.state === 'failed')) ctx.exitCode = 1;
      ctx.out.result(report, healthLines);
    });
}
