/**
 * `kreo trigger KIND [--via-tunnel]`: sends a realistic, signed Meta payload (ids from meta.phoneNumberId and
 * meta.wabaId, or Meta's test ids) to the local webhook listener, or through the tunnel's public URL. Starts a
 * background host when none runs.
 */
import { Argument, type Command } from 'commander';
import { triggerKindSchema, type TriggerKind } from '../../../shared/domain/events';
import type { CliContext } from '../context';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('trigger')
    .description('simulate a signed webhook event from Meta (stored, queued and forwarded like a real one)')
    .addArgument(new Argument('<kind>', 'what to simulate').choices(triggerKindSchema.options))
    .option('--via-tunnel', 'send it through the public ngrok URL instead of straight to the local listener')
    .action(async (kind: TriggerKind, o: { viaTunnel?: boolean }) => {
      const { client } = await ctx.ensureHost();
      const result = await client.invoke('events:trigger', { kind, viaTunnel: o.viaTunnel === true });
      if (result.statusCode !== 200) ctx.exitCode = 1;
      ctx.out.result(result, (r) =>
        r.statusCode === 200
          ? `Sent a signed "${kind}" event to ${r.target}: HTTP 200${r.eventId ? `, stored as event #${r.eventId} (kreo events show ${r.eventId})` : ''}.`
          : `Sent "${kind}" to ${r.target}: HTTP ${r.statusCode}. See whatsapp.log (kreo ngrok logs --file whatsapp).`,
      );
    });
}
