/** Seams the Meta services take from the rest of the host, kept as small as the services need. */
import type { Settings } from '../../../shared/settings-schema';
import type { SettingsService } from '../settings/types';
import type { TunnelService } from '../tunnel/types';

/** Read-only settings access (sender, health, Graph client). */
export type SettingsReader = Pick<SettingsService, 'get'>;
/** Settings access for services that record state (registration); change events when available. */
export type SettingsWriter = Pick<SettingsService, 'get' | 'update'> &
  Partial<Pick<SettingsService, 'onDidChange'>>;
/** What registration needs from the tunnel. */
export type TunnelView = Pick<TunnelService, 'status' | 'onDidChangeStatus'>;

export type MetaConfig = Settings['meta'];

/** `<app id>|<app secret>`: Meta's app access token. */
export function appAccessToken(meta: MetaConfig): string {
  return `${meta.appId}|${meta.appSecret}`;
}
