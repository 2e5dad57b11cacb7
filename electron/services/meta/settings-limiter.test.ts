import { describe, expect, it } from 'vitest';
import { SettingsLimiter } from './settings-limiter';
import { MemorySettings } from './test-support';

describe('SettingsLimiter', () => {
  it('follows redis.url, and once disposed answers locally without opening a Redis connection', async () => {
    // Port 9 (discard) is closed on loopback: a client made here would reconnect for ever.
    const settings = new MemorySettings({ redis: { url: 'redis://127.0.0.1:9' } });
    const limiter = new SettingsLimiter(settings);
    expect(limiter.backend).toBe('redis');
    await limiter.dispose();
    // A send that was in flight when the host stopped may still penalize or ask for tokens.
    expect(limiter.backend).toBe('local');
    await limiter.penalize(1);
    expect(await limiter.tokens(10)).toBeLessThan(0); // the pause went to the in-process bucket
  });
});
