/**
 * The `window.kreo` request path on the main side: one generic invoke channel, the sender checked (the panel's own
 * main frame in one of our windows), the channel name checked against the contract, then the host's dispatcher,
 * which parses the input with the channel's schema before any service sees it. Always answers with a `Result`, so
 * errors cross as `{code, message, hint}` rather than Electron's mangled exception text.
 */
import { isRequestChannel } from '../../shared/contract';
import { KreoError, toErrorInfo, type Result } from '../../shared/errors';
import type { Disposable } from '../services/core/lifecycle';
import { IPC_INVOKE } from '../preload/ipc-channels';
import { handleTrusted, type SenderInfo } from './ipc-main';
import { isPanelUrl } from './window';
import type { RendererLocation } from './app-paths';

export type InvokeDispatcher = (channel: string, rawInput: unknown) => Promise<Result<unknown>>;

export interface SenderPolicy {
  renderer: RendererLocation;
  /** Ids of the webContents allowed to call (the panel window's). */
  allowedWebContents: () => Iterable<number>;
}

/** Trusted = the top frame of one of our windows, showing the panel itself. */
export function isTrustedSender(sender: SenderInfo, policy: SenderPolicy): boolean {
  if (!sender.isMainFrame || !sender.frameUrl) return false;
  if (![...policy.allowedWebContents()].includes(sender.webContentsId)) return false;
  return isPanelUrl(sender.frameUrl, policy.renderer);
}

export interface IpcBridgeOptions extends SenderPolicy {
  invoke: InvokeDispatcher;
  /** Told about refused callers (logged by the app; never thrown at the page). */
  onRefused?: (sender: SenderInfo) => void;
  onInternalError?: (err: unknown) => void;
}

function failure(err: KreoError): Result<never> {
  return { ok: false, error: err.toInfo() };
}

/** Validates the raw IPC arguments `[channel, input]` and dispatches them. Exposed for tests. */
export async function dispatchIpc(
  args: unknown[],
  invoke: InvokeDispatcher,
  onInternalError?: (err: unknown) => void,
): Promise<Result<unknown>> {
  if (args.length > 2) {
    return failure(
      new KreoError('BAD_REQUEST', 'A request takes one channel name and at most one input object.'),
    );
  }
  const [channel, input] = args;
  if (!isRequestChannel(channel)) {
    return failure(
      new KreoError('NOT_FOUND', `There is no request channel named "${String(channel).slice(0, 80)}".`),
    );
  }
  try {
    return await invoke(channel, input);
  } catch (err) {
    onInternalError?.(err);
    return { ok: false, error: toErrorInfo(err) };
  }
}

export function bindKreoIpc(opts: IpcBridgeOptions): Disposable {
  return handleTrusted(
    IPC_INVOKE,
    (sender) => isTrustedSender(sender, opts),
    (args) => dispatchIpc(args, opts.invoke, opts.onInternalError),
    (sender) => {
      opts.onRefused?.(sender);
      return failure(
        new KreoError('FORBIDDEN', 'This page may not call the panel.', undefined, {
          frame: sender.frameUrl ? sender.frameUrl.slice(0, 200) : null,
        }),
      );
    },
  );
}
