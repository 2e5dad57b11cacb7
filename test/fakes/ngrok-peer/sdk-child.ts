/**
 * Runs the real @ngrok/ngrok SDK in a child process for tests whose SDK call may never settle (its global session
 * lock then blocks every later call in that process). Parent → child: `{ op: 'forward', config }` or
 * `{ op: 'kill' }`; child → parent: `{ type: 'url' | 'error' | 'status' | 'killed', ... }`.
 * Start with `fork(path, { execArgv: ['--import', 'tsx'] })`.
 */
import ngrok from '@ngrok/ngrok';

export type ChildRequest = { op: 'forward'; config: Record<string, unknown> } | { op: 'kill' };
export type ChildReply =
  | { type: 'url'; url: string }
  | { type: 'error'; message: string; errorCode?: string }
  | { type: 'status'; status: string }
  | { type: 'killed' };

const reply = (msg: ChildReply): void => {
  process.send?.(msg);
};

process.on('message', (msg: ChildRequest) => {
  if (msg.op === 'kill') {
    void ngrok.kill().then(() => reply({ type: 'killed' }));
    return;
  }
  ngrok
    .forward({ ...msg.config, onStatusChange: (status: string) => reply({ type: 'status', status }) })
    .then(
      (listener) => reply({ type: 'url', url: listener.url() ?? '' }),
      (err: Error & { errorCode?: string }) =>
        reply({ type: 'error', message: err.message, errorCode: err.errorCode }),
    );
});
process.on('disconnect', () => process.exit(0));
