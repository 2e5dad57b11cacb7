/** `kreo ratelimit status [--json]`: configured limits, current rate, tokens, queue depth, in-flight and counts. */
import type { Command } from 'commander';
import type { RateLimitStatus } from '../../../shared/domain/meta';
import type { CliContext } from '../context';
import { withMeta } from './meta-cli';

export function rateLimitLines(r: RateLimitStatus): string[] {
  return [
    `Limit:        ${r.messagesPerSecond} messages/s, ${r.concurrency} in flight, queue up to ${r.maxQueueSize} (${r.backend === 'redis' ? 'shared through Redis' : 'this process only'})`,
    `Now:          ${r.currentRate} sent in the last second, ${r.tokens} token(s) available`,
    `Queue:        ${r.queueDepth} waiting, ${r.inFlight} in flight`,
    `Totals:       ${r.sent} sent, ${r.failed} failed, ${r.throttled} throttled by Meta, ${r.rejected} refused (queue full)`,
  ];
}

export function register(program: Command, ctx: CliContext): void {
  const rl = program.command('ratelimit').description('the outbound send rate limit');
  rl.command('status')
    .description('limits, current rate, tokens, queue depth and counts')
    .action(async () => {
      const status = await withMeta(
        ctx,
        (c) => c.invoke('ratelimit:status'),
        (m) => m.sender.status(),
      );
      ctx.out.result(status, rateLimitLines);
    });
}
