/**
 * `kreo webhook register|status|unregister`: point Meta's callback at the tunnel (after a preflight through the
 * public URL), compare what Meta has with the tunnel, and put the previous callback back. register needs the
 * running host (it owns the tunnel); status and unregister also work without one.
 */
import type { Command } from 'commander';
import type { WebhookStatus } from '../../../shared/domain/meta';
import type { CliContext } from '../context';
import { withMeta } from './meta-cli';

export function statusLines(s: WebhookStatus): string[] {
  const lines = [
    `Registered:   ${s.registered ? `yes${s.registeredAt ? `, ${s.registeredAt}` : ''}` : 'no'} (scope ${s.scope})`,
  ];
  if (s.registeredUrl) lines.push(`Callback:     ${s.registeredUrl}`);
  lines.push(`Tunnel:       ${s.expectedUrl ?? 'not online'}`);
  lines.push(`Meta has:     ${s.metaUrl ?? '(nothing, or could not ask)'}`);
  lines.push(`Matches:      ${s.matches === null ? 'unknown' : s.matches ? 'yes' : 'NO'}`);
  if (s.previousUrl) lines.push(`Previous:     ${s.previousUrl} (put back on unregister)`);
  if (s.lastError) {
    lines.push(`Last error:   ${s.lastError.message}`);
    if (s.lastError.hint) lines.push(`              ${s.lastError.hint}`);
  }
  if (s.detail) lines.push('', s.detail);
  return lines;
}

export function register(program: Command, ctx: CliContext): void {
  const webhook = program
    .command('webhook')
    .description("Meta's callback URL: register the tunnel, check it, restore the previous one");

  webhook
    .command('register')
    .description(
      'preflight the public URL, then point Meta (webhook.scope: app, waba or phone) at the tunnel',
    )
    .action(async () => {
      const client = await ctx.client();
      const spinner = ctx.out.spinner('Checking the public URL like Meta does, then registering…');
      const status = await client.invoke('webhook:register').finally(() => spinner.stop());
      ctx.out.result(status, (s) => [
        `Meta now sends ${s.scope}-level events to ${s.registeredUrl}.`,
        ...statusLines(s),
      ]);
    });

  webhook
    .command('status')
    .description("what Meta has for webhook.scope, compared with the tunnel's URL")
    .action(async () => {
      const status = await withMeta(
        ctx,
        (c) => c.invoke('webhook:status'),
        (m) => m.registration.status(),
      );
      ctx.out.result(status, statusLines);
    });

  webhook
    .command('unregister')
    .description('put back the callback that was there before (or remove the panel’s)')
    .action(async () => {
      const spinner = ctx.out.spinner('Restoring the previous callback…');
      const status = await withMeta(
        ctx,
        (c) => c.invoke('webhook:unregister'),
        (m) => m.registration.unregister(),
      ).finally(() => spinner.stop());
      ctx.out.result(status, (s) => [
        s.metaUrl
          ? `Meta sends ${s.scope}-level events to ${s.metaUrl} again.`
          : `Removed the panel's ${s.scope}-level callback.`,
        ...statusLines(s),
      ]);
    });
}
