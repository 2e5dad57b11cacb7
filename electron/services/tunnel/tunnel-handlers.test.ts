import { describe, expect, it } from 'vitest';
import { requests } from '../../../shared/contract';
import { FakeNgrokDriver, FakeSettings, RecordingLogger } from './testing';
import { tunnelHandlers } from './tunnel-handlers';
import { TunnelManager } from './tunnel-manager';

describe('tunnelHandlers', () => {
  it('serves the contract’s tunnel channels with outputs that match their schemas', async () => {
    const driver = new FakeNgrokDriver();
    const manager = new TunnelManager({
      settings: new FakeSettings({ ngrok: { authtoken: 'tok_abcdefgh12345' } }),
      log: new RecordingLogger(),
      driver,
    });
    const h = tunnelHandlers(manager);
    try {
      const started = await h['tunnel:start'](
        requests['tunnel:start'].input.parse({ port: 3000, subdomain: 'demo' }),
      );
      expect(requests['tunnel:start'].output.parse(started)).toMatchObject({
        state: 'online',
        domain: 'demo.ngrok-free.app',
      });
      expect(requests['tunnel:status'].output.parse(await h['tunnel:status'](undefined)).state).toBe(
        'online',
      );
      const restarted = await h['tunnel:restart'](requests['tunnel:restart'].input.parse({ port: 3001 }));
      expect(restarted.localTarget).toBe('http://127.0.0.1:3001');
      const tested = await h['tunnel:testConnection'](undefined);
      expect(requests['tunnel:testConnection'].output.parse(tested).ok).toBe(false);
      expect((await h['tunnel:stop'](undefined)).state).toBe('stopped');
      // A plain start uses the settings again (restart is the one that keeps the last options).
      expect((await h['tunnel:start'](undefined)).state).toBe('online');
      expect(driver.forwards.at(-1)?.addr).toBe('127.0.0.1:8000');
    } finally {
      await manager.dispose();
    }
  });
});
