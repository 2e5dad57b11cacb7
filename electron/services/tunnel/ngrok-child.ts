/**
 * Entry of the ngrok helper child process. The SDK can hang forever on a silent peer and then block every later
 * call in its process (a global session lock), so it runs here, where the parent can kill it.
 *
 * Started by ChildNgrokDriver with `child_process.fork` and `KREO_NGROK_CHILD=1` (the guard below keeps an
 * accidental import from doing anything). Speaks the messages in ngrok-child-protocol.ts over the IPC channel and
 * exits when that channel closes, so it never outlives its parent.
 */
import {
  childMessageSchema,
  errorToChild,
  parentMessageSchema,
  type ChildMessage,
} from './ngrok-child-protocol';
import { loadNgrokSdk, NgrokSdkSession } from './ngrok-sdk-session';

function send(message: ChildMessage): void {
  if (!process.connected || !process.send) return;
  try {
    process.send(childMessageSchema.parse(message));
  } catch {
    // The parent is gone; 'disconnect' below ends this process.
  }
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write('ngrok-child: start me with child_process.fork (an IPC channel is required)\n');
    process.exit(2);
  }
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', (err) => {
    send({ type: 'fatal', message: `ngrok helper crashed: ${err.message}` });
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    send({
      type: 'event',
      event: { type: 'log', line: `WARN ngrok-child - unhandled rejection: ${String(reason)}` },
    });
  });

  let session: NgrokSdkSession;
  try {
    const sdk = await loadNgrokSdk();
    session = new NgrokSdkSession(sdk, (event) => {
      if (event.type !== 'ended') send({ type: 'event', event });
    });
  } catch (err) {
    send({ type: 'fatal', message: `the ngrok library could not be loaded: ${(err as Error).message}` });
    process.exit(1);
  }

  process.on('message', (raw: unknown) => {
    const parsed = parentMessageSchema.safeParse(raw);
    if (!parsed.success) {
      send({ type: 'event', event: { type: 'log', line: 'WARN ngrok-child - ignored a malformed request' } });
      return;
    }
    const msg = parsed.data;
    const work: Promise<{ url?: string }> =
      msg.type === 'forward' ? session.forward(msg.config) : session.disconnect().then(() => ({}));
    work.then(
      (value) => send({ type: 'result', id: msg.id, ok: true, ...(value.url ? { url: value.url } : {}) }),
      (err: unknown) => send({ type: 'result', id: msg.id, ok: false, error: errorToChild(err) }),
    );
  });
  send({ type: 'ready' });
}

if (process.env.KREO_NGROK_CHILD === '1') void main();
