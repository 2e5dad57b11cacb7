/**
 * Hardens the window's session: every permission request and check is refused (except writing to the clipboard from
 * the panel itself, for "copy URL"), nothing outside the renderer's own files (or the dev server) may load, and http(s)
 * responses carry the panel's CSP header.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Session } from 'electron';
import { buildCspHeader } from './csp';

export interface SessionPolicy {
  /** Dev server origin when running `electron-vite dev`; null in production. */
  devServerOrigin: string | null;
  /** The folder of the built renderer (out/renderer): the only files the page may load. */
  rendererDir?: string;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Loads the session may perform: the renderer's own files, devtools internals, inline data, the dev server. */
export function isAllowedRequestUrl(url: string, policy: SessionPolicy): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'file:') {
    if (!policy.rendererDir) return true;
    try {
      return isInside(fileURLToPath(parsed), policy.rendererDir);
    } catch {
      return false;
    }
  }
  if (['devtools:', 'data:', 'blob:', 'chrome-extension:'].includes(parsed.protocol)) return true;
  if (!policy.devServerOrigin) return false;
  const dev = new URL(policy.devServerOrigin);
  if (parsed.origin === dev.origin) return true;
  // The HMR WebSocket: same host and port, ws scheme.
  return parsed.protocol === 'ws:' && parsed.host === dev.host;
}

/** Permissions the panel may use, and only from its own pages. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

export function isAllowedPermission(
  permission: string,
  requestingUrl: string,
  policy: SessionPolicy,
): boolean {
  if (!ALLOWED_PERMISSIONS.has(permission)) return false;
  let parsed: URL;
  try {
    parsed = new URL(requestingUrl);
  } catch {
    return false;
  }
  if (parsed.protocol === 'file:') return true;
  return policy.devServerOrigin !== null && parsed.origin === new URL(policy.devServerOrigin).origin;
}

export function hardenSession(session: Session, policy: SessionPolicy): void {
  session.setPermissionRequestHandler((webContents, permission, callback, details) => {
    callback(isAllowedPermission(permission, details.requestingUrl ?? webContents.getURL(), policy));
  });
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin) =>
    isAllowedPermission(permission, requestingOrigin, policy),
  );
  session.setDevicePermissionHandler(() => false);

  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequestUrl(details.url, policy) });
  });

  const csp = buildCspHeader(policy.devServerOrigin ? { devServerOrigin: policy.devServerOrigin } : {});
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === 'content-security-policy') delete headers[key];
    }
    headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
}
