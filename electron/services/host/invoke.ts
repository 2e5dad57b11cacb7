/**
 * The one request dispatcher every transport uses (control API, Electron IPC, the CLI in-process): looks the channel
 * up in the contract, parses the raw input with its schema, calls the handler, parses the output (which also strips
 * anything the schema does not name, so an extra field can never leak) and wraps the outcome as a `Result`.
 */
import type { z } from 'zod';
import { isRequestChannel, requests, type Handlers, type RequestChannel } from '../../../shared/contract';
import { KreoError, toErrorInfo, type Result } from '../../../shared/errors';

export type Invoke = (channel: string, rawInput: unknown) => Promise<Result<unknown>>;

export interface InvokeOptions {
  /** Called with anything unexpected (a non-KreoError throw, an output that breaks the contract). */
  onInternalError?: (err: unknown, channel: string) => void;
}

/** Zod issues → `[{path: 'a.b', message}]`, the shape INVALID_ARGUMENT carries in `details.issues`. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

export function invalidArgument(channel: string, error: z.ZodError): KreoError {
  const issues = describeIssues(error);
  const first = issues[0];
  const where = first?.path ? `${first.path}: ` : '';
  return new KreoError(
    'INVALID_ARGUMENT',
    `Invalid input for ${channel}: ${where}${first?.message ?? 'not valid'}`,
    'Check the named field and send it again.',
    { channel, issues },
  );
}

export function createInvoke(handlers: Handlers, opts: InvokeOptions = {}): Invoke {
  return async (channel, rawInput) => {
    if (!isRequestChannel(channel)) {
      return {
        ok: false,
        error: new KreoError('NOT_FOUND', `There is no request channel named "${channel}".`, undefined, {
          channel,
        }).toInfo(),
      };
    }
    const spec = requests[channel as RequestChannel];
    // An absent body means "no arguments": every input schema accepts {} (its defaults fill the rest).
    const parsed = spec.input.safeParse(rawInput === undefined ? {} : rawInput);
    if (!parsed.success) return { ok: false, error: invalidArgument(channel, parsed.error).toInfo() };
    try {
      const handler = handlers[channel as RequestChannel] as (input: unknown) => Promise<unknown>;
      const output = await handler(parsed.data);
      const checked = spec.output.safeParse(output);
      if (!checked.success) {
        opts.onInternalError?.(
          new Error(
            `output of ${channel} breaks the contract: ${JSON.stringify(describeIssues(checked.error))}`,
          ),
          channel,
        );
        return { ok: false, error: toErrorInfo(new Error('bad output')) };
      }
      return { ok: true, value: checked.data };
    } catch (err) {
      if (!(err instanceof KreoError)) opts.onInternalError?.(err, channel);
      return { ok: false, error: toErrorInfo(err) };
    }
  };
}
