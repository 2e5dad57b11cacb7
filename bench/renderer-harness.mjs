/* global process, console, URL */
/**
 * Builds the renderer's dev harness (the panel against the in-memory fake host) with Vite into a temp folder and
 * serves it on 127.0.0.1, for the renderer benchmark and for looking at screens without a host.
 * Used by bench/renderer-stream.mjs; run alone (`node bench/renderer-harness.mjs`) it prints the URL and serves.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

export async function buildHarness({ minify = true } = {}) {
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  const outDir = mkdtempSync(join(tmpdir(), 'kreo-harness-'));
  await build({
    root: join(root, 'renderer'),
    base: './',
    logLevel: 'warn',
    configFile: false,
    plugins: [react()],
    build: {
      outDir,
      emptyOutDir: true,
      minify,
      rolldownOptions: { input: join(root, 'renderer/dev/harness.html') },
    },
  });
  return outDir;
}

export function serve(dir) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    let file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory())
      file = join(dir, 'dev/harness.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolvePromise({
        url: `http://127.0.0.1:${port}/dev/harness.html`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = await buildHarness();
  const { url } = await serve(dir);
  console.log(`harness: ${url}`);
  const stop = () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
