/**
 * Starts a headless host as a detached background process (`kreo serve --background`) and waits until its discovery
 * file names a host that answers as itself. Its output goes to run/host-background.log; if it dies or stays silent,
 * the error says so and quotes the end of that log.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { KreoError } from '../../shared/errors';
import type { HomePaths } from '../services/core/home';
import type { DiscoveryInfo } from '../services/control/discovery';
import { lookupHost } from '../services/control/live-host';
import { withHostNodeFlags } from './host-node-flags';

export interface BackgroundHostOptions {
  paths: HomePaths;
  env: NodeJS.ProcessEnv;
  /**
   * The command that runs this CLI (node + flags + entry script); the host's node flags (host-node-flags.ts) go
   * first and `--home … serve --background` is appended.
   */
  self: { command: string; args: string[] };
  timeoutMs?: number;
}

export function backgroundLogFile(paths: HomePaths): string {
  return path.join(paths.runDir, 'host-background.log');
}

function lastLines(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

export async function startBackgroundHost(opts: BackgroundHostOptions): Promise<DiscoveryInfo> {
  const logFile = backgroundLogFile(opts.paths);
  try {
    // Keep one previous generation; the file only holds start-up output, so 1 MiB is plenty.
    if (statSync(logFile).size > 1024 * 1024) renameSync(logFile, `${logFile}.1`);
  } catch {}
  const fd = openSync(logFile, 'a', 0o600);
  writeSync(fd, `\n--- ${new Date().toISOString()} starting a background host\n`);
  const child = spawn(
    opts.self.command,
    [...withHostNodeFlags(opts.self.args), '--home', opts.paths.root, 'serve', '--background'],
    { detached: true, stdio: ['ignore', fd, fd], env: opts.env, windowsHide: true },
  );
  closeSync(fd);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.once('exit', (code, signal) => (exit = { code, signal }));
  child.once('error', (err) => (spawnError = err));
  child.unref();

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const hint = `See ${logFile} for what the host printed.`;
  for (;;) {
    // Any live host will do: another `kreo` may have started one at the same moment (ours then exits).
    const found = await lookupHost(opts.paths.discoveryFile, { timeoutMs: 1000 });
    if (found.state === 'live') return found.info;
    if (spawnError)
      throw new KreoError('UNAVAILABLE', `Could not start the host: ${spawnError.message}`, hint);
    if (exit) {
      const tail = lastLines(logFile, 5);
      throw new KreoError(
        'UNAVAILABLE',
        `The background host stopped while starting (exit code ${exit.code ?? exit.signal}).${tail ? `\n${tail}` : ''}`,
        hint,
      );
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new KreoError('TIMEOUT', 'The background host did not become ready in time.', hint);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
