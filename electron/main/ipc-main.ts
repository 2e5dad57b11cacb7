/**
 * The only file that touches `ipcMain`. Everything else registers typed handlers through `handleTrusted`, which
 * refuses calls from any frame that is not the panel's own main frame before the handler runs.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Disposable } from '../services/core/lifecycle';

/** The facts about a caller the trust check needs, read off the IPC event. */
export interface SenderInfo {
  webContentsId: number;
  /** URL of the calling frame, or null when the frame is gone. */
  frameUrl: string | null;
  /** True when the calling frame is its page's top frame (not an iframe). */
  isMainFrame: boolean;
}

export function senderInfo(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender.id,
    frameUrl: frame ? frame.url : null,
    isMainFrame: frame !== null && frame.parent === null,
  };
}

/**
 * Registers `handler` for invoke calls on `channel`. `isTrusted` sees the sender first; an untrusted call gets
 * `onRefused(...)`'s value and the handler never runs.
 */
export function handleTrusted(
  channel: string,
  isTrusted: (sender: SenderInfo) => boolean,
  handler: (args: unknown[]) => Promise<unknown>,
  onRefused: (sender: SenderInfo) => unknown,
): Disposable {
  ipcMain.handle(channel, async (event, ...args: unknown[]) => {
    const sender = senderInfo(event);
    if (!isTrusted(sender)) return onRefused(sender);
    return handler(args);
  });
  return { dispose: () => ipcMain.removeHandler(channel) };
}
