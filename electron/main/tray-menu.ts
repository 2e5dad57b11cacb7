/**
 * What the tray shows for a given state, as pure functions: the icon (stopped, starting, online, error), the tooltip
 * with the public URL, and the context-menu template. Unit-tested per state; tray.ts only applies them.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { TunnelStatus } from '../../shared/domain/tunnel';

export const TRAY_ICON_STATES = ['stopped', 'starting', 'online', 'error'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

export interface TrayState {
  tunnel: Pick<TunnelStatus, 'state' | 'url' | 'connection' | 'lastError'> | null;
  webhookRegistered: boolean;
  /** A tray action is running (the menu disables the tunnel and webhook items meanwhile). */
  busy: boolean;
}

export interface TrayActions {
  startTunnel(): void;
  stopTunnel(): void;
  copyUrl(): void;
  registerWebhook(): void;
  openPanel(): void;
  quit(): void;
}

export const APP_TITLE = 'KREO WhatsApp Panel';

export function trayIconState(state: TrayState): TrayIconState {
  const tunnel = state.tunnel;
  if (!tunnel) return 'stopped';
  switch (tunnel.state) {
    case 'online':
      return tunnel.connection === 'reconnecting' ? 'starting' : 'online';
    case 'starting':
    case 'stopping':
      return 'starting';
    case 'error':
      return 'error';
    default:
      return 'stopped';
  }
}

function statusLine(state: TrayState): string {
  const tunnel = state.tunnel;
  if (!tunnel) return 'Tunnel: unknown';
  switch (tunnel.state) {
    case 'online':
      return tunnel.connection === 'reconnecting' ? 'Tunnel: reconnecting…' : 'Tunnel: online';
    case 'starting':
      return 'Tunnel: starting…';
    case 'stopping':
      return 'Tunnel: stopping…';
    case 'error':
      return 'Tunnel: error';
    default:
      return 'Tunnel: stopped';
  }
}

export function trayTooltip(state: TrayState): string {
  const lines = [APP_TITLE, statusLine(state)];
  if (state.tunnel?.url) lines.push(state.tunnel.url);
  else if (state.tunnel?.state === 'error' && state.tunnel.lastError)
    lines.push(state.tunnel.lastError.message);
  if (state.tunnel?.url)
    lines.push(state.webhookRegistered ? 'Webhook registered' : 'Webhook not registered');
  return lines.join('\n');
}

export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const tunnelState = state.tunnel?.state ?? 'stopped';
  const url = state.tunnel?.url ?? null;
  const transitioning = tunnelState === 'starting' || tunnelState === 'stopping';

  const tunnelItem: MenuItemConstructorOptions =
    tunnelState === 'online'
      ? { id: 'tunnel-stop', label: 'Stop tunnel', click: () => actions.stopTunnel() }
      : tunnelState === 'starting'
        ? { id: 'tunnel-start', label: 'Starting tunnel…' }
        : tunnelState === 'stopping'
          ? { id: 'tunnel-stop', label: 'Stopping tunnel…' }
          : { id: 'tunnel-start', label: 'Start tunnel', click: () => actions.startTunnel() };
  tunnelItem.enabled = !state.busy && !transitioning;

  return [
    { id: 'status', label: statusLine(state), enabled: false },
    ...(url ? [{ id: 'url', label: url, enabled: false } satisfies MenuItemConstructorOptions] : []),
    { type: 'separator' },
    tunnelItem,
    {
      id: 'copy-url',
      label: 'Copy public URL',
      enabled: url !== null,
      click: () => actions.copyUrl(),
    },
    {
      id: 'register-webhook',
      label: state.webhookRegistered ? 'Register webhook again' : 'Register webhook',
      enabled: tunnelState === 'online' && url !== null && !state.busy,
      click: () => actions.registerWebhook(),
    },
    { type: 'separator' },
    { id: 'open-panel', label: 'Open panel', click: () => actions.openPanel() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  ];
}
