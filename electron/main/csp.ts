/**
 * The panel's Content Security Policy, one source for every place it is applied: the `<meta>` tag the build writes
 * into out/renderer/index.html (file:// pages and browser mode get no header from Electron), and the response header
 * the desktop session adds to http(s) pages (the dev server). Pure: no electron import, so the build config uses it.
 */

export interface CspOptions {
  /** Dev server origin (e.g. http://localhost:5173): allows its scripts, HMR socket and inline styles. */
  devServerOrigin?: string;
}

/** Directive → sources. Order is kept in the serialised policy. */
export function cspDirectives(opts: CspOptions = {}): [string, string[]][] {
  const dev = opts.devServerOrigin;
  const devWs = dev ? dev.replace(/^http/, 'ws') : undefined;
  return [
    ['default-src', ["'none'"]],
    // Vite's dev preamble (React refresh) is an inline module script: allowed only against the dev server.
    ['script-src', dev ? ["'self'", "'unsafe-inline'", dev] : ["'self'"]],
    // Vite injects <style> tags in dev; the production build links CSS files only.
    ['style-src', dev ? ["'self'", "'unsafe-inline'", dev] : ["'self'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    // Browser mode talks to its own origin (fetch + the WebSocket); the desktop window only uses IPC.
    ['connect-src', dev && devWs ? ["'self'", dev, devWs] : ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['worker-src', ["'none'"]],
    ['manifest-src', ["'none'"]],
    ['media-src', ["'none'"]],
  ];
}

export function buildCsp(opts: CspOptions = {}): string {
  return cspDirectives(opts)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** The header form also forbids framing (ignored in a meta tag). */
export function buildCspHeader(opts: CspOptions = {}): string {
  return `${buildCsp(opts)}; frame-ancestors 'none'`;
}

/** Inserts (or replaces) the CSP meta tag right after <head>. */
export function injectCspMeta(html: string, opts: CspOptions = {}): string {
  const tag = `<meta http-equiv="Content-Security-Policy" content="${buildCsp(opts)}" />`;
  const existing = /<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>/i;
  if (existing.test(html)) return html.replace(existing, tag);
  return html.replace(/<head([^>]*)>/i, (m) => `${m}\n    ${tag}`);
}
