import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureHome } from '../core/home';
import { createSettingsService } from '../settings';
import { stoppedTunnelStatusFor } from '../tunnel/tunnel-plan';
import { createLocalMetaServices, stoppedTunnelView } from './local-services';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('createLocalMetaServices', () => {
  it('sees the same stopped tunnel as `kreo ngrok status` without a host (domain, reachable target)', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'kreo-local-meta-'));
    dirs.push(root);
    const paths = ensureHome(root);
    const settings = await createSettingsService({ paths, env: {}, keychain: null });
    await settings.update({ 'server.host': '::', 'server.port': 8123, 'ngrok.domain': 'dev-box' });
    const meta = await createLocalMetaServices(settings, paths);
    try {
      const status = await meta.registration.status();
      expect(status.expectedUrl).toBeNull();
      const report = await meta.health.run();
      expect(report.checks.find((c) => c.name === 'tunnel')!.data).toMatchObject({ state: 'stopped' });
      // The same stopped status a fresh TunnelManager and `kreo ngrok status` without a host report.
      const view = stoppedTunnelView(settings);
      expect(view.status()).toEqual(stoppedTunnelStatusFor(settings.get()));
      expect(view.status()).toMatchObject({
        localTarget: 'http://[::1]:8123',
        domain: 'dev-box.ngrok-free.app',
      });
      await expect(view.testConnection()).rejects.toMatchObject({ code: 'TUNNEL_NOT_RUNNING' });
      const listener = report.checks.find((c) => c.name === 'listener')!;
      expect(listener.data?.url).toBe('http://[::1]:8123/webhook');
    } finally {
      await meta.close();
    }
  });
});
