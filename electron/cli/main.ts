/**
 * The `kreo` command line. Run from the repo with `npm run kreo -- ARGS` (tsx), or as `kreo` through bin/kreo.js.
 * Global options: --home DIR, --json. Exit codes: 0 done, 1 failed, 2 usage error. Command modules live in
 * commands/ (see commands/index.ts); heavy services load lazily inside actions so quick commands stay quick.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { KreoError } from '../../shared/errors';
import { appRoot } from '../services/host/app-root';
import { COMMAND_MODULES } from './commands';
import { createContext } from './context';
import { EXIT_OK, EXIT_USAGE, Output, type Streams } from './output';

export interface RunOptions {
  streams?: Streams;
  env?: NodeJS.ProcessEnv;
  /** How to re-run this CLI for a background host (default: this process's node, flags and entry script). */
  selfCommand?: { command: string; args: string[] };
}

export function buildProgram(streams: Streams): Command {
  const program = new Command('kreo')
    .description('KREO WhatsApp Panel: ngrok tunnel, webhook listener and Meta tools from the terminal')
    .version(appRoot().version, '-V, --version')
    .option('--home <dir>', 'home folder (default: KREO_HOME or the desktop app user data folder)')
    .option('--json', 'print one JSON document: {"ok":true,"value":…} or {"ok":false,"error":…}')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
      // Usage errors are printed by runCli through Output ("Error: …" + "Hint: …", or the JSON envelope).
      outputError: () => {},
    });
  return program;
}

/** "kreo ngrok start" for the start command. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A commander usage error as a KreoError: its sentence capitalised, a suggestion and the help to run as the hint. */
export function usageError(err: CommanderError, cmd: Command | undefined): KreoError {
  const where = cmd ? commandPath(cmd) : 'kreo';
  const help = `Run "${where} --help" to see what it takes.`;
  const details = { commander: err.code };
  if (err.code === 'commander.help') {
    const pick = `Pick one (${where} --help lists them).`;
    return new KreoError('INVALID_ARGUMENT', `"${where}" needs a command.`, pick, details);
  }
  const [first = '', ...rest] = err.message.replace(/^error:\s*/i, '').split('\n');
  const suggestion = /\(Did you mean (.+)\?\)/.exec(rest.join(' '))?.[1];
  let message = first.trim();
  // Commander writes sentences in lower case ("argument 'abc' is invalid. expected …").
  message = `${message.charAt(0).toUpperCase()}${message.slice(1)}`.replace(
    /\. ([a-z])/g,
    (_m, c: string) => `. ${c.toUpperCase()}`,
  );
  if (!/[.!?]$/.test(message)) message += '.';
  return new KreoError(
    'INVALID_ARGUMENT',
    message,
    suggestion ? `Did you mean ${suggestion}? ${help}` : help,
    details,
  );
}

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const streams: Streams = opts.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const program = buildProgram(streams);
  const ctx = createContext({
    program,
    streams,
    env: opts.env ?? process.env,
    selfCommand: opts.selfCommand,
  });
  for (const mod of COMMAND_MODULES) mod.register(program, ctx);
  // Every command (and sub-group) reports usage errors by throwing instead of exiting; remember which one failed.
  let failedCommand: Command | undefined;
  const applyExitOverride = (cmd: Command) => {
    cmd.exitOverride((err) => {
      failedCommand = cmd;
      throw err;
    });
    cmd.commands.forEach(applyExitOverride);
  };
  applyExitOverride(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT_OK;
      const json = program.opts().json === true || argv.includes('--json');
      new Output(streams, json).error(usageError(err, failedCommand));
      return EXIT_USAGE;
    }
    if (!(err instanceof KreoError) && (opts.env ?? process.env).KREO_DEBUG)
      streams.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    return ctx.out.error(err);
  } finally {
    await ctx.runExitHooks();
  }
}

/** Runs the CLI on this process's arguments and exits with its code (used by bin/kreo.js and direct runs). */
export function main(): void {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Whatever a command left open (a socket, a watcher) must not keep the process alive after it is done.
    setTimeout(() => process.exit(code), 200).unref();
  });
}

const isEntry = (() => {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
  } catch {
    return false;
  }
})();
if (isEntry) main();
