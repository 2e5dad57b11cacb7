import { describe, expect, it } from 'vitest';
import { tunnelStatusSchema } from '../../../shared/domain/tunnel';
import { FakeNgrokDriver, FakeSettings, RecordingLogger } from './testing';
import { TunnelManager } from './tunnel-manager';
import { localTargetOf, stoppedTunnelStatusFor } from './tunnel-plan';

describe('stoppedTunnelStatusFor', () => {
  it('is what a tunnel manager that never started reports, wildcard host mapped to loopback', async () => {
    for (const overrides of [
      {},
      { server: { host: '0.0.0.0', port: 8123 }, ngrok: { domain: 'my-app' } },
      { server: { host: '::', port: 9000 }, ngrok: { domain: 'hooks.example.com' } },
    ]) {
      const settings = new FakeSettings(overrides);
      const manager = new TunnelManager({
        settings,
        log: new RecordingLogger(),
        driver: new FakeNgrokDriver(),
      });
      const stopped = stoppedTunnelStatusFor(settings.get());
      expect(tunnelStatusSchema.parse(stopped)).toEqual(stopped);
      expect(stopped).toEqual(manager.status());
      await manager.dispose();
    }
    const wild = stoppedTunnelStatusFor(new FakeSettings({ server: { host: '0.0.0.0', port: 8123 } }).get());
    expect(wild).toMatchObject({ state: 'stopped', url: null, localTarget: 'http://127.0.0.1:8123' });
    const named = stoppedTunnelStatusFor(new FakeSettings({ ngrok: { domain: 'my-app' } }).get());
    expect(named.domain).toBe('my-app.ngrok-free.app');
  });

  it('local targets bracket IPv6 and keep named hosts', () => {
    expect(localTargetOf('::', 8000)).toBe('http://[::1]:8000');
    expect(localTargetOf('::1', 8000)).toBe('http://[::1]:8000');
    expect(localTargetOf('localhost', 8000)).toBe('http://localhost:8000');
  });
});
