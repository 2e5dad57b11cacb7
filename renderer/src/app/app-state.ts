/**
 * The panel's shared state (host facts, settings view, tunnel, webhook, health, rate limiter) as one reducer fed by
 * the first load and by the host's pushes. High-rate data (events, log lines) lives in mutable stores instead.
 */
import type { HostInfo } from '../../../shared/domain/host';
import type { HealthReport, RateLimitStatus, WebhookStatus } from '../../../shared/domain/meta';
import type { SettingsView } from '../../../shared/domain/settings';
import type { TunnelStatus } from '../../../shared/domain/tunnel';
import type { UiError } from '../lib/errors';

export type LoadState = 'loading' | 'ready' | 'error';

export interface AppState {
  load: LoadState;
  loadError: UiError | null;
  host: HostInfo | null;
  settings: SettingsView | null;
  tunnel: TunnelStatus | null;
  webhook: WebhookStatus | null;
  health: HealthReport | null;
  rate: RateLimitStatus | null;
}

export const initialAppState: AppState = {
  load: 'loading',
  loadError: null,
  host: null,
  settings: null,
  tunnel: null,
  webhook: null,
  health: null,
  rate: null,
};

export type AppAction =
  | {
      type: 'loaded';
      host: HostInfo | null;
      settings: SettingsView | null;
      tunnel: TunnelStatus | null;
      webhook: WebhookStatus | null;
      health: HealthReport | null;
      rate: RateLimitStatus | null;
    }
  | { type: 'loadFailed'; error: UiError }
  | { type: 'reload' }
  | { type: 'settings'; view: SettingsView }
  | { type: 'tunnel'; status: TunnelStatus }
  | { type: 'webhook'; status: WebhookStatus }
  | { type: 'health'; report: HealthReport }
  | { type: 'rate'; status: RateLimitStatus };

/** Pushes that arrive before the first load finishes are kept (newest wins over the loaded snapshot). */
export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case 'loaded':
      return {
        ...state,
        load: 'ready',
        loadError: null,
        host: action.host,
        settings: state.settings ?? action.settings,
        tunnel: state.tunnel ?? action.tunnel,
        webhook: state.webhook ?? action.webhook,
        health: state.health ?? action.health,
        rate: state.rate ?? action.rate,
      };
    case 'loadFailed':
      return { ...state, load: 'error', loadError: action.error };
    case 'reload':
      return { ...initialAppState };
    case 'settings':
      return { ...state, settings: action.view };
    case 'tunnel':
      return { ...state, tunnel: action.status };
    case 'webhook':
      return { ...state, webhook: action.status };
    case 'health':
      return { ...state, health: action.report };
    case 'rate':
      return { ...state, rate: action.status };
  }
}
