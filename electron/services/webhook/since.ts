/** `--since` values: an ISO date/time, epoch milliseconds, or a relative age like 30s, 15m, 2h, 7d. */
import { KreoError } from '../../../shared/errors';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** → epoch ms. Throws KreoError INVALID_ARGUMENT with an example for anything else. */
export function parseSince(value: string, now = Date.now()): number {
  const v = value.trim();
  const rel = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(v);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]!;
  if (/^\d{12,}$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new KreoError(
    'INVALID_ARGUMENT',
    `"${value}" is not a time.`,
    'Use an age such as 15m, 2h or 7d, or a date such as 2026-11-28T10:00:00Z.',
    { field: 'since' },
  );
}
