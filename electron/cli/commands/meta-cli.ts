/**
 * Shared by the Meta commands (webhook, health, send, ratelimit): run against the running host when there is one,
 * else against Meta services built in this process (a stopped tunnel; the same settings, store and log files).
 */
import type { z } from 'zod';
import { KreoError } from '../../../shared/errors';
import type { MetaServices } from '../../services/meta/create-meta-services';
import type { ControlClient } from '../../services/control/control-client';
import type { CliContext } from '../context';

export async function withMeta<T>(
  ctx: CliContext,
  online: (client: ControlClient) => Promise<T>,
  offline: (meta: MetaServices) => Promise<T>,
): Promise<T> {
  return ctx.withHost(online, async () => {
    const { createLocalMetaServices } = await import('../../services/meta/local-services');
    const meta = await createLocalMetaServices(await ctx.settings(), ctx.paths());
    try {
      return await offline(meta);
    } finally {
      await meta.close();
    }
  });
}

/** Parses flags with a contract schema; a bad value is a usage error (exit 2) naming the flag. */
export function parseFlags<S extends z.ZodType>(
  schema: S,
  value: unknown,
  flagFor: Record<string, string>,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    return { path: flagFor[key] ?? key, message: i.message };
  });
  throw new KreoError('INVALID_ARGUMENT', `${issues[0]!.path}: ${issues[0]!.message}`, undefined, { issues });
}
