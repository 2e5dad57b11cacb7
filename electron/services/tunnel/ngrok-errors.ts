/**
 * Turns what the ngrok SDK throws (or what an ngrok error page says) into a KreoError with a message and a hint a
 * person can act on. ngrok's own code stays in `details.ngrokCode`; secrets (the authtoken) are never echoed:
 * ngrok's text for ERR_NGROK_105 quotes the token, so every piece of SDK text is scrubbed first.
 */
import { KreoError, type ErrorCode } from '../../../shared/errors';

export interface NgrokErrorContext {
  /** The domain that was requested, if any. */
  domain?: string | null;
  /** Where the tunnel forwards, e.g. http://127.0.0.1:8000 */
  localTarget?: string;
  /** Advanced server address, when one is configured (test peers). */
  serverAddr?: string;
  /** Values that must never appear in a message (authtoken, verify token). */
  secrets?: string[];
}

interface Translation {
  code: ErrorCode;
  message: string;
  hint: string;
}

const DASHBOARD_TOKEN = 'https://dashboard.ngrok.com/get-started/your-authtoken';
const DASHBOARD_DOMAINS = 'https://dashboard.ngrok.com/domains';
const DASHBOARD_AGENTS = 'https://dashboard.ngrok.com/agents';
const CONFIGURE_TOKEN = 'kreo ngrok configure --authtoken <token>';

export function ngrokDocsUrl(ngrokCode: string): string {
  return `https://ngrok.com/docs/errors/${ngrokCode.toLowerCase()}/`;
}

/** Replaces secrets and anything printed after "authtoken:" with a mask. */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('••••');
  }
  return out.replace(/(authtoken[^:\n]{0,20}:\s*)[^\s"']+/gi, '$1••••');
}

const domainText = (ctx: NgrokErrorContext) => (ctx.domain ? `the domain ${ctx.domain}` : 'the domain');
const targetText = (ctx: NgrokErrorContext) => ctx.localTarget ?? 'the local webhook listener';

/** The ngrok codes worth explaining; anything else falls back to ngrok's own text plus its docs page. */
const BY_NGROK_CODE: Record<string, (ctx: NgrokErrorContext) => Translation> = {
  ERR_NGROK_105: () => ({
    code: 'TUNNEL_AUTH_INVALID',
    message: 'ngrok says the authtoken is malformed (ERR_NGROK_105).',
    hint: `Copy the whole token again from ${DASHBOARD_TOKEN} and run ${CONFIGURE_TOKEN}.`,
  }),
  ERR_NGROK_107: () => ({
    code: 'TUNNEL_AUTH_INVALID',
    message: 'ngrok refused the authtoken: it is not valid, or it was reset or revoked (ERR_NGROK_107).',
    hint: `Get your current token from ${DASHBOARD_TOKEN} and run ${CONFIGURE_TOKEN}.`,
  }),
  ERR_NGROK_4018: () => ({
    code: 'TUNNEL_AUTH_MISSING',
    message: 'ngrok requires a verified account and an authtoken (ERR_NGROK_4018).',
    hint: `Sign up at https://dashboard.ngrok.com/signup, then run ${CONFIGURE_TOKEN}.`,
  }),
  ERR_NGROK_108: () => ({
    code: 'TUNNEL_SESSION_LIMIT',
    message:
      'Your ngrok account already has as many agent sessions online as its plan allows (ERR_NGROK_108).',
    hint: `Stop the other ngrok agent (another terminal, machine or panel; see ${DASHBOARD_AGENTS}), then run kreo ngrok start again.`,
  }),
  ERR_NGROK_121: () => ({
    code: 'TUNNEL_FAILED',
    message: "The ngrok library inside this app is too old for ngrok's service (ERR_NGROK_121).",
    hint: 'Update KREO WhatsApp Panel to a newer version.',
  }),
  ERR_NGROK_313: (ctx) => ({
    code: 'TUNNEL_DOMAIN_NOT_ALLOWED',
    message: `ngrok only gives custom subdomains on paid plans, so ${domainText(ctx)} was refused (ERR_NGROK_313).`,
    hint: `Use the free static domain listed at ${DASHBOARD_DOMAINS} (kreo ngrok configure --domain <it>), or start without --subdomain/--domain for a random URL.`,
  }),
  ERR_NGROK_319: (ctx) => ({
    code: 'TUNNEL_DOMAIN_NOT_ALLOWED',
    message: `ngrok says ${domainText(ctx)} is not reserved on your account (ERR_NGROK_319).`,
    hint: `Reserve it at ${DASHBOARD_DOMAINS}, or use a domain listed there (kreo ngrok configure --domain <it>).`,
  }),
  ERR_NGROK_320: (ctx) => ({
    code: 'TUNNEL_DOMAIN_NOT_ALLOWED',
    message: `${capitalise(domainText(ctx))} is reserved by another ngrok account (ERR_NGROK_320).`,
    hint: `Pick a domain reserved on your own account (${DASHBOARD_DOMAINS}).`,
  }),
  ERR_NGROK_326: (ctx) => ({
    code: 'TUNNEL_DOMAIN_NOT_ALLOWED',
    message: `${capitalise(domainText(ctx))} contains a character ngrok does not allow (ERR_NGROK_326).`,
    hint: 'Use only letters, digits, dots and hyphens, e.g. my-app.ngrok-free.app.',
  }),
  ERR_NGROK_334: (ctx) => ({
    code: 'TUNNEL_DOMAIN_IN_USE',
    message: `${capitalise(domainText(ctx))} is already online in another ngrok session (ERR_NGROK_334).`,
    hint: 'Stop the other agent serving it (another terminal, machine or panel), or start with a different --domain.',
  }),
  ERR_NGROK_15002: () => ({
    code: 'TUNNEL_DOMAIN_NOT_ALLOWED',
    message: 'Your ngrok plan requires a reserved domain for this tunnel (ERR_NGROK_15002).',
    hint: `Start with --domain set to a domain from ${DASHBOARD_DOMAINS} (or kreo ngrok configure --domain <it>).`,
  }),
  ERR_NGROK_3200: (ctx) => ({
    code: 'TUNNEL_NOT_RUNNING',
    message: `ngrok says the endpoint${ctx.domain ? ` ${ctx.domain}` : ''} is offline: no agent serves it (ERR_NGROK_3200).`,
    hint: 'Restart the tunnel (kreo ngrok restart) and test again.',
  }),
  ERR_NGROK_8012: (ctx) => ({
    code: 'TUNNEL_UPSTREAM_DOWN',
    message: `ngrok reached this machine, but nothing answered on ${targetText(ctx)} (ERR_NGROK_8012).`,
    hint: 'Start the webhook listener (kreo serve), or check server.port and the --port you started the tunnel with.',
  }),
  ERR_NGROK_3004: (ctx) => ({
    code: 'TUNNEL_UPSTREAM_DOWN',
    message: `${capitalise(targetText(ctx))} answered with something that is not valid HTTP (ERR_NGROK_3004).`,
    hint: 'Check that the port belongs to the webhook listener and not to another program.',
  }),
  ERR_NGROK_6024: () => ({
    code: 'TUNNEL_TEST_FAILED',
    message:
      "ngrok showed its free-plan browser warning page instead of forwarding the request (ERR_NGROK_6024). Meta's servers are not shown this page.",
    hint: 'Programmatic callers are unaffected; a browser can skip it by sending the header ngrok-skip-browser-warning, or use a paid ngrok plan.',
  }),
  ERR_NGROK_702: () => ({
    code: 'TUNNEL_FAILED',
    message: 'ngrok is limiting this tunnel: too many connections per minute for the plan (ERR_NGROK_702).',
    hint: 'Wait a minute and try again, or upgrade the ngrok plan.',
  }),
  ERR_NGROK_725: () => ({
    code: 'TUNNEL_FAILED',
    message: "The ngrok account has used up its plan's bandwidth (ERR_NGROK_725).",
    hint: 'See usage at https://dashboard.ngrok.com/usage; wait for the next period or upgrade.',
  }),
  ERR_NGROK_9016: () => ({
    code: 'TUNNEL_FAILED',
    message: "ngrok's webhook verification is not available on this plan (ERR_NGROK_9016).",
    hint: 'Start the tunnel without ngrok webhook verification; the panel checks signatures itself.',
  }),
  ERR_NGROK_7030: () => ({
    code: 'TUNNEL_FAILED',
    message: 'ngrok does not support the requested webhook verification provider (ERR_NGROK_7030).',
    hint: 'Start the tunnel without ngrok webhook verification; the panel checks signatures itself.',
  }),
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Known ngrok codes, for tests and docs. */
export const TRANSLATED_NGROK_CODES = Object.keys(BY_NGROK_CODE);

/** ngrok's `ERR_NGROK_NNN` from an SDK error (its `errorCode`, else the message), or null. */
export function ngrokCodeOf(err: unknown): string | null {
  if (err && typeof err === 'object') {
    const direct = (err as { errorCode?: unknown }).errorCode;
    if (typeof direct === 'string' && /^ERR_NGROK_\d+$/.test(direct)) return direct;
  }
  const match = /ERR_NGROK_\d+/.exec(messageOf(err));
  return match ? match[0] : null;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return typeof err === 'string' ? err : '';
}

/** ngrok's own words: SDK prefix and trailing `error_code:` removed, secrets scrubbed, bounded length. */
export function ngrokMessageOf(err: unknown, secrets: readonly string[] = []): string {
  const raw = messageOf(err)
    .replace(/^failed to (connect session|start listener):\s*/i, '')
    .replace(/\s*error_code:\s*ERR_NGROK_\d+\s*$/, '')
    .replace(/\r\n/g, '\n')
    .trim();
  const text = scrubSecrets(raw, secrets);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

/** An ngrok error code (e.g. from an error page) → translation, without an SDK error around it. */
export function translateNgrokCode(
  ngrokCode: string,
  ctx: NgrokErrorContext = {},
  ngrokMessage?: string,
): KreoError {
  const known = BY_NGROK_CODE[ngrokCode];
  const details: Record<string, unknown> = { ngrokCode, docs: ngrokDocsUrl(ngrokCode) };
  if (ngrokMessage) details.ngrokMessage = scrubSecrets(ngrokMessage, ctx.secrets);
  if (known) {
    const t = known(ctx);
    return new KreoError(t.code, t.message, `${t.hint} More: ${ngrokDocsUrl(ngrokCode)}`, details);
  }
  const said = ngrokMessage ? scrubSecrets(ngrokMessage, ctx.secrets).split('\n')[0] : '';
  return new KreoError(
    'TUNNEL_FAILED',
    `ngrok reported ${ngrokCode}${said ? `: ${said}` : '.'}`,
    `See ${ngrokDocsUrl(ngrokCode)} and ngrok_manager.log (kreo ngrok logs).`,
    details,
  );
}

/** Anything the SDK (or the driver around it) threw → KreoError. KreoErrors pass through unchanged. */
export function translateNgrokError(err: unknown, ctx: NgrokErrorContext = {}): KreoError {
  if (err instanceof KreoError) return err;
  const secrets = ctx.secrets ?? [];
  const ngrokMessage = ngrokMessageOf(err, secrets);
  const ngrokCode = ngrokCodeOf(err);
  if (ngrokCode) return translateNgrokCode(ngrokCode, ctx, ngrokMessage);

  const lower = messageOf(err).toLowerCase();
  const details: Record<string, unknown> = {};
  if (ngrokMessage) details.ngrokMessage = ngrokMessage;
  const server = ctx.serverAddr ? `the ngrok server ${ctx.serverAddr}` : "ngrok's service";

  if (
    lower.includes('failed to establish tcp connection') ||
    lower.includes('failed to resolve') ||
    lower.includes('dns error') ||
    lower.includes('network is unreachable') ||
    lower.includes('connection refused')
  ) {
    return new KreoError(
      'TUNNEL_NO_NETWORK',
      `Could not reach ${server}: no network connection was possible.`,
      ctx.serverAddr
        ? `Check that the server at ${ctx.serverAddr} is running (setting ngrok.serverAddr), or clear ngrok.serverAddr.`
        : 'Check the internet connection (and any proxy or firewall that blocks outbound TLS on port 443), then run kreo ngrok start again.',
      details,
    );
  }
  if (lower.includes('tls handshake') || lower.includes('certificate')) {
    return new KreoError(
      'TUNNEL_TLS',
      `The secure connection to ${server} failed (TLS handshake error).`,
      ctx.serverAddr
        ? 'Check ngrok.caCertPath: it must hold the CA that signed the server certificate (with the right IP/DNS name).'
        : 'A proxy, antivirus or firewall may be intercepting TLS; allow connect.ngrok-agent.com:443 and try again.',
      details,
    );
  }
  if (lower.includes('authtoken') && (lower.includes('missing') || lower.includes('required'))) {
    return new KreoError(
      'TUNNEL_AUTH_MISSING',
      'ngrok needs an authtoken.',
      `Run ${CONFIGURE_TOKEN} (token at ${DASHBOARD_TOKEN}), or pass --authtoken for one start.`,
      details,
    );
  }
  return new KreoError(
    'TUNNEL_FAILED',
    ngrokMessage ? `ngrok reported an error: ${ngrokMessage.split('\n')[0]}` : 'ngrok reported an error.',
    'See ngrok_manager.log (kreo ngrok logs) for the details, then try kreo ngrok start again.',
    details,
  );
}
