/**
 * Secret redaction, two layers. Key paths (`authtoken`, `accessToken`, `authorization`, …) are censored by pino's
 * redact option wherever an object is logged. Then every serialized line passes `createValueRedactor`, which
 * replaces the current secret values themselves (raw, JSON-escaped and URL-encoded forms) so a token pasted into
 * a message, a URL or an error text is caught too.
 */

export const REDACTED = '[REDACTED]';

const SENSITIVE_KEYS = [
  'authtoken',
  'authToken',
  'appSecret',
  'app_secret',
  'accessToken',
  'access_token',
  'verifyToken',
  'verify_token',
  'authorization',
  'Authorization',
  'cookie',
  'password',
  'secret',
  'token',
];
const DOTTED_KEYS = ['hub.verify_token'];

/** pino `redact.paths`: each sensitive key at the top level and two levels down. */
export const REDACT_PATHS: string[] = [
  ...SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  ...DOTTED_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]),
];

/**
 * Values shorter than this are not replaced by value: a two-letter "secret" would shred every line (and protects
 * nothing). Key-path redaction still applies to them.
 */
export const MIN_REDACT_LENGTH = 4;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `secrets` is called for every line, so newly saved secrets are redacted from the next line on. */
export function createValueRedactor(secrets: () => readonly string[]): (line: string) => string {
  let lastKey: string | undefined;
  let pattern: RegExp | null = null;
  return (line) => {
    let values: readonly string[];
    try {
      values = secrets();
    } catch {
      values = [];
    }
    const key = values.join('\u0000');
    if (key !== lastKey) {
      lastKey = key;
      pattern = buildPattern(values);
    }
    return pattern ? line.replace(pattern, REDACTED) : line;
  };
}

function buildPattern(values: readonly string[]): RegExp | null {
  const forms = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_REDACT_LENGTH) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
    forms.add(JSON.stringify(encodeURIComponent(value)).slice(1, -1));
  }
  if (forms.size === 0) return null;
  // Longest first, so a secret containing another is replaced whole.
  const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(alternatives.join('|'), 'g');
}
