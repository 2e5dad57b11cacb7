/**
 * How the CLI speaks. Human mode: results on stdout, errors as "Error: message" + "Hint: …" on stderr, a spinner on
 * stderr only when it is a TTY. `--json` mode: exactly one JSON document per command on stdout,
 * `{"ok":true,"value":…}` or `{"ok":false,"error":{code,message,hint?,details?}}` (followers print one JSON object
 * per line instead). Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { isUsageError, KreoError, toErrorInfo, type ErrorInfo } from '../../shared/errors';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Errors caused by what the user typed (the registry's usage codes): exit code 2. */
export function exitCodeFor(info: ErrorInfo): number {
  return isUsageError(info.code) ? EXIT_USAGE : EXIT_FAILED;
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Spinner {
  /** Replaces the text (TTY) or prints it as a new line (plain). */
  update(text: string): void;
  stop(): void;
}

export class Output {
  constructor(
    private readonly streams: Streams,
    readonly json: boolean,
  ) {}

  /** A command's result: the JSON envelope, or the human rendering. */
  result<T>(value: T, human: (value: T) => string | string[]): void {
    if (this.json) {
      this.line(JSON.stringify({ ok: true, value }));
      return;
    }
    const text = human(value);
    for (const l of Array.isArray(text) ? text : [text]) this.line(l);
  }

  /** Text on stdout exactly as given (no newline added), e.g. a stored body byte for byte. */
  raw(text: string): void {
    this.streams.stdout.write(text);
  }

  /** One line on stdout. */
  line(text: string): void {
    this.streams.stdout.write(`${text}\n`);
  }

  /** A side note for people (stderr, never in --json mode). */
  note(text: string): void {
    if (!this.json) this.streams.stderr.write(`${text}\n`);
  }

  /** Prints an error and returns the exit code to use. */
  error(err: unknown): number {
    const info = err instanceof KreoError ? err.toInfo() : toErrorInfo(err);
    if (this.json) {
      this.line(JSON.stringify({ ok: false, error: info }));
    } else {
      const lines = [`Error: ${info.message}`];
      const d = info.details ?? {};
      if (info.code === 'SETTINGS_INVALID' && d.key) {
        lines.push(`  key:      ${String(d.key)}`, `  expected: ${String(d.expected)}`);
        lines.push(`  example:  ${String(d.example)}`);
      }
      const issues = d.issues as { path: string; message: string }[] | undefined;
      if (info.code === 'INVALID_ARGUMENT' && issues && issues.length > 1)
        for (const i of issues) lines.push(`  ${i.path || '(input)'}: ${i.message}`);
      if (info.hint) lines.push(`Hint: ${info.hint}`);
      this.streams.stderr.write(`${lines.join('\n')}\n`);
    }
    return exitCodeFor(info);
  }

  /** An animated spinner on a TTY stderr; plain progress lines otherwise; nothing in --json mode. */
  spinner(text: string): Spinner {
    const err = this.streams.stderr;
    if (this.json) return { update: () => {}, stop: () => {} };
    if (!err.isTTY) {
      err.write(`${text}\n`);
      return { update: (t) => err.write(`${t}\n`), stop: () => {} };
    }
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let i = 0;
    let current = text;
    let stopped = false;
    const draw = () => err.write(`\r\x1b[2K${frames[i++ % frames.length]} ${current}`);
    draw();
    const timer = setInterval(draw, 80);
    return {
      update: (t) => {
        current = t;
        draw();
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        err.write('\r\x1b[2K');
      },
    };
  }
}
