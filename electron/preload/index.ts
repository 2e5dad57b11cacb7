/**
 * The preload (sandboxed, bundled as CommonJS): the only file that touches ipcRenderer. It exposes `window.kreo`,
 * named functions per contract channel plus `on(event, cb)` → unsubscribe, and never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_INVOKE, IPC_PUSH } from './ipc-channels';
import { createPreloadKreo } from './kreo-bridge';

const kreo = createPreloadKreo({
  invoke: (channel, input) => ipcRenderer.invoke(IPC_INVOKE, channel, input),
  onPush: (listener) => {
    ipcRenderer.on(IPC_PUSH, (_event, batch: unknown) => listener(batch));
  },
});

contextBridge.exposeInMainWorld('kreo', kreo);
