/**
 * Shared pieces for the property-based tests: garbage generators, the "no internals leaked" check, and the shape
 * every error crossing a boundary must have. Test-only.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { isErrorCode } from '../../shared/errors';

/** fast-check run count: enough to find the usual breakages, small enough for 2 shared cores. */
export const RUNS = Number(process.env.KREO_PROPERTY_RUNS ?? 150);

/** Any JSON-ish value a client could send, including the awkward ones (deep nesting, big numbers, odd keys). */
export const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Values beyond JSON that a buggy in-process caller (or structured clone over IPC) could hand over. */
export const anyValue = fc.oneof(
  anyJson,
  fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
  }),
  fc.constantFrom(undefined, null, Number.NaN, Infinity, -0, '', [], {}),
);

/** Object keys that have broken parsers before. */
export const nastyKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '',
  ' ',
  'a.b',
  '😀',
);

/** An object whose keys are `keys` (some) plus odd ones, with arbitrary values (`values`, default anyValue). */
export function objectWithKeys(
  keys: readonly string[],
  values: fc.Arbitrary<unknown> = anyValue,
): fc.Arbitrary<Record<string, unknown>> {
  const known = keys.length ? fc.constantFrom(...keys) : fc.constant('x');
  return fc
    .array(fc.tuple(fc.oneof(known, nastyKey, fc.string({ maxLength: 12 })), values), { maxLength: 5 })
    .map((pairs) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of pairs)
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
}

/** Keys a zod object schema names (unwrapping optional/default/pipe), for near-miss inputs. */
export function schemaKeys(schema: z.ZodType): string[] {
  let s: unknown = schema;
  for (let i = 0; i < 5; i++) {
    const def = (s as { def?: { type?: string; innerType?: unknown; in?: unknown; shape?: unknown } }).def;
    if (!def) return [];
    if (def.type === 'object') return Object.keys((s as z.ZodObject).shape);
    s = def.innerType ?? def.in;
    if (!s) return [];
  }
  return [];
}

/** Stack frames, source file positions or module internals: none of these may reach a client. */
const LEAK_PATTERNS = [
  /\n\s+at\s/,
  /\bat\s+\S+\s+\(\/?[\w./-]+:\d+:\d+\)/,
  /node_modules/,
  /\.[cm]?[jt]s:\d+/,
  /\bTypeError\b|\bReferenceError\b|\bSyntaxError\b/,
];

export function leakedInternals(text: string): string | null {
  for (const p of LEAK_PATTERNS) if (p.test(text)) return p.source;
  return null;
}

export const errorInfoShape = z.object({
  code: z.string().refine(isErrorCode, 'a code from shared/errors.ts'),
  message: z.string().min(1),
  hint: z.string().min(1).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** `{ok:false, error:{code,message,hint?,details?}}` with a registered code. */
export const failedResultShape = z.object({ ok: z.literal(false), error: errorInfoShape }).strict();
