/**
 * The desktop app itself, through Playwright's `_electron`: the hardened window showing the panel with window.kreo,
 * the tray following the tunnel, close-to-tray, the control API shared with the `kreo` CLI, and a clean quit.
 * Needs the Electron binary (downloaded by `npm install`) and a display (xvfb-run on a headless Linux box); where
 * either is missing every test here is skipped with that reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import type { KreoApi } from '../shared/kreo-api';
import { BUILT, ROOT } from '../scripts/ensure-build';
import { freePort } from '../test/support/net';

// The page's globals, typed for the callbacks passed to page.evaluate (which run in the window, not here).
declare const window: {
  kreo: KreoApi;
  require?: unknown;
  process?: unknown;
  open(url: string): unknown;
};
declare const location: { href: string };

/** The installed Electron binary, found without `require('electron')` (which would try to download it). */
function electronBinary(): string | null {
  const pkgDir = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const full = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkgDir, 'dist'), relative);
  return existsSync(full) ? full : null;
}

const binary = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
test.skip(
  !binary,
  'The Electron binary is not installed (offline install with ELECTRON_SKIP_BINARY_DOWNLOAD): the desktop app cannot be launched here. These tests run where `npm install` could download Electron.',
);
test.skip(noDisplay, 'No display: run the end-to-end tests under xvfb-run to launch the desktop app.');

interface Launched {
  app: ElectronApplication;
  window: Page;
  home: string;
  close(): Promise<void>;
}

async function launch(): Promise<Launched> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'kreo-e2e-desktop-'));
  writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ server: { port: await freePort() }, meta: { graphBaseUrl: 'http://127.0.0.1:9' } }),
    { mode: 0o600 },
  );
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(KREO_|NGROK_)/.test(k)) env[k] = v;
  const app = await electron.launch({
    executablePath: binary!,
    // Chromium refuses to run as root with its sandbox (CI runs as root); the page sandbox option stays on.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ROOT],
    cwd: ROOT,
    env: { ...env, KREO_HOME: home, KREO_TEST_HOOKS: '1' },
    timeout: 30_000,
  });
  app.process().stdout?.on('data', (d: Buffer) => process.stdout.write(`[desktop] ${d}`));
  app.process().stderr?.on('data', (d: Buffer) => process.stderr.write(`[desktop] ${d}`));
  const page = await app.firstWindow();
  await page.waitForFunction(() => typeof window.kreo?.host?.info === 'function');
  let closed = false;
  return {
    app,
    window: page,
    home,
    async close() {
      if (!closed) {
        closed = true;
        await Promise.race([app.close().catch(() => {}), new Promise((r) => setTimeout(r, 15_000))]);
        app.process().kill('SIGKILL');
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

type DesktopHandle = {
  tray: { snapshot(): { icon: string; tooltip: string; items: { id: string; enabled: boolean }[] } };
};

test.describe('desktop app', () => {
  let desk: Launched;
  test.beforeEach(async () => {
    test.skip(!existsSync(BUILT.main), 'the app is not built');
    desk = await launch();
  });
  test.afterEach(async () => desk?.close());

  test('window: hardened, showing the panel with window.kreo', async () => {
    const { app, window: page, home } = desk;
    const globals = await page.evaluate(() => ({
      require: typeof window.require,
      process: typeof window.process,
      start: typeof window.kreo.tunnel.start,
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', start: 'function' });

    const info = await page.evaluate(() => window.kreo.host.info());
    expect(info).toMatchObject({ mode: 'desktop', home });

    // Errors cross with their code.
    const code = await page.evaluate(() =>
      window.kreo.events.get({ id: 0 }).then(
        () => null,
        (e: { code: string }) => e.code,
      ),
    );
    expect(code).toBe('INVALID_ARGUMENT');

    // No new windows, no navigation away.
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    const before = page.url();
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveCount(1);
  });

  test('tray: icon and menu for the stopped tunnel; closing the window keeps the app in the tray', async () => {
    const { app, home } = desk;
    const snapshot = await app.evaluate(() =>
      (globalThis as unknown as { __kreoDesktop: DesktopHandle }).__kreoDesktop.tray.snapshot(),
    );
    expect(snapshot.icon).toBe('stopped');
    expect(snapshot.tooltip).toContain('Tunnel: stopped');
    const ids = snapshot.items.map((i) => i.id);
    expect(ids).toEqual(
      expect.arrayContaining(['tunnel-start', 'copy-url', 'register-webhook', 'open-panel', 'quit']),
    );
    expect(snapshot.items.find((i) => i.id === 'copy-url')!.enabled).toBe(false);

    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
    await expect
      .poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.isVisible()))
      .toBe(false);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

    // The control API runs inside the desktop app: the CLI reaches this app's host.
    const cli = spawnSync(process.execPath, [BUILT.cli, '--home', home, '--json', 'ngrok', 'status'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(JSON.parse(cli.stdout)).toMatchObject({
      ok: true,
      value: { host: { mode: 'desktop' }, tunnel: { state: 'stopped' } },
    });

    // A second launch reveals the window.
    await app.evaluate(({ app: electronApp }) => electronApp.emit('second-instance'));
    await expect
      .poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.isVisible()))
      .toBe(true);
  });

  test('quit disposes the host and exits', async () => {
    const { app, home } = desk;
    const discovery = path.join(home, 'run', 'host.json');
    expect(JSON.parse(readFileSync(discovery, 'utf8'))).toMatchObject({ mode: 'desktop' });
    const exited = new Promise<number | null>((resolve) =>
      app.process().once('exit', (code) => resolve(code)),
    );
    await app.evaluate(({ app: electronApp }) => electronApp.quit());
    expect(await exited).toBe(0);
    expect(existsSync(discovery)).toBe(false);
  });
});
