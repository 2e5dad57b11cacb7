import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCsp, buildCspHeader, cspDirectives, injectCspMeta } from './csp';
import { hardenSession } from './session-security';
import { FakeSession, resetFakeElectron } from './testing/fake-electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

afterEach(() => resetFakeElectron());

describe('content security policy', () => {
  const prod = Object.fromEntries(cspDirectives());

  it('denies by default and allows only the panel itself in production', () => {
    expect(prod['default-src']).toEqual(["'none'"]);
    expect(prod['script-src']).toEqual(["'self'"]);
    expect(prod['style-src']).toEqual(["'self'"]);
    expect(prod['connect-src']).toEqual(["'self'"]);
    expect(prod['object-src']).toEqual(["'none'"]);
    expect(prod['base-uri']).toEqual(["'none'"]);
    expect(prod['form-action']).toEqual(["'none'"]);
  });

  it('has no unsafe-* source, wildcard or remote origin in production', () => {
    const csp = buildCsp();
    expect(csp).not.toMatch(/unsafe-/);
    expect(csp).not.toMatch(/\*/);
    expect(csp).not.toMatch(/https?:/);
  });

  it('lets only the dev server in while developing', () => {
    const dev = Object.fromEntries(cspDirectives({ devServerOrigin: 'http://localhost:5173' }));
    expect(dev['script-src']).toContain('http://localhost:5173');
    expect(dev['connect-src']).toContain('ws://localhost:5173');
    expect(dev['default-src']).toEqual(["'none'"]);
  });

  it('forbids framing in the header form', () => {
    expect(buildCspHeader()).toMatch(/frame-ancestors 'none'$/);
  });

  it('writes one meta tag into index.html, replacing an existing one', () => {
    const html = '<!doctype html><html><head><title>x</title></head><body></body></html>';
    const once = injectCspMeta(html);
    expect(once).toContain(`<meta http-equiv="Content-Security-Policy" content="${buildCsp()}" />`);
    const twice = injectCspMeta(once);
    expect(twice.match(/Content-Security-Policy/g)).toHaveLength(1);
  });
});

describe('session hardening', () => {
  function harden(devServerOrigin: string | null = null) {
    const session = new FakeSession();
    hardenSession(session as never, { devServerOrigin });
    return session;
  }

  function request(session: FakeSession, permission: string, requestingUrl: string): boolean {
    let granted: boolean | undefined;
    session.permissionRequestHandler!(
      { getURL: () => requestingUrl },
      permission,
      (ok: boolean) => (granted = ok),
      { requestingUrl },
    );
    return granted!;
  }

  it('denies permission requests: camera, notifications, geolocation, …', () => {
    const session = harden();
    for (const p of ['media', 'notifications', 'geolocation', 'openExternal', 'clipboard-read', 'hid']) {
      expect(request(session, p, 'file:///app/out/renderer/index.html')).toBe(false);
    }
    expect(session.devicePermissionHandler!()).toBe(false);
  });

  it('allows clipboard writes from the panel only', () => {
    const session = harden();
    expect(request(session, 'clipboard-sanitized-write', 'file:///app/out/renderer/index.html')).toBe(true);
    expect(request(session, 'clipboard-sanitized-write', 'https://example.com/')).toBe(false);
    expect(session.permissionCheckHandler!(null, 'clipboard-sanitized-write', 'https://example.com')).toBe(
      false,
    );
    expect(session.permissionCheckHandler!(null, 'media', 'file:///')).toBe(false);
  });

  it('cancels every load that is not the app itself (no remote content)', () => {
    const session = harden();
    const cancel = (url: string) => {
      let out: { cancel: boolean } | undefined;
      session.beforeRequest!({ url }, (r: { cancel: boolean }) => (out = r));
      return out!.cancel;
    };
    expect(cancel('https://cdn.example.com/lib.js')).toBe(true);
    expect(cancel('http://127.0.0.1:8000/webhook')).toBe(true);
    expect(cancel('ws://localhost:5173/')).toBe(true);
    expect(cancel('file:///app/out/renderer/assets/index.js')).toBe(false);
    expect(cancel('devtools://devtools/bundled/inspector.html')).toBe(false);

    const devSession = harden('http://localhost:5173');
    session.beforeRequest = devSession.beforeRequest;
    expect(cancel('http://localhost:5173/src/main.tsx')).toBe(false);
    expect(cancel('ws://localhost:5173/')).toBe(false);
    expect(cancel('https://example.com/')).toBe(true);
  });

  it('lets the page load only files of the renderer build', () => {
    const session = new FakeSession();
    hardenSession(session as never, {
      devServerOrigin: null,
      rendererDir: '/opt/kreo/app.asar/out/renderer',
    });
    const cancel = (url: string) => {
      let out: { cancel: boolean } | undefined;
      session.beforeRequest!({ url }, (r: { cancel: boolean }) => (out = r));
      return out!.cancel;
    };
    expect(cancel('file:///opt/kreo/app.asar/out/renderer/index.html')).toBe(false);
    expect(cancel('file:///opt/kreo/app.asar/out/renderer/assets/index-1.js')).toBe(false);
    expect(cancel('file:///opt/kreo/app.asar/out/renderer/../main/index.js')).toBe(true);
    expect(cancel('file:///etc/passwd')).toBe(true);
    expect(cancel('file:///opt/kreo/app.asar/out/renderer-evil/x.js')).toBe(true);
  });

  it('puts the CSP header on responses, replacing any the server sent', () => {
    const session = harden();
    let headers: Record<string, string[]> | undefined;
    session.headersReceived!(
      { responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } },
      (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders),
    );
    expect(headers).toEqual({ 'X-Other': ['1'], 'Content-Security-Policy': [buildCspHeader()] });
  });
});
