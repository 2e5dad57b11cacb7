/**
 * `window.kreo`: the panel's only way to the host. Exposed by the Electron preload, or installed by
 * `installBrowserBridge()` in browser mode (absent until then, hence the `!window.kreo` check in main.tsx).
 */
import type { KreoApi } from '../../../shared/kreo-api';

declare global {
  interface Window {
    kreo: KreoApi;
  }
}

export {};
