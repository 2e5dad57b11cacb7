/** Runs `kreo …` in-process (runCli) with its output captured: what a test of a CLI command needs. */
import { PassThrough } from 'node:stream';
import { runCli } from '../../electron/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runKreo(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(argv, { streams: { stdout, stderr }, env });
  return { code, stdout: out, stderr: err };
}
