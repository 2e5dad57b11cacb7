import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'electron/**/*.test.ts',
      'shared/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'test/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    exclude: ['node_modules/**', 'out/**', 'e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    restoreMocks: true,
    // electron-store imports 'electron': inlined so vi.mock('electron') reaches it (the real package would try to
    // download the Electron binary).
    server: { deps: { inline: ['electron-store'] } },
  },
});
