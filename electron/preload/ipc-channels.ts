/**
 * The two IPC channel names between the preload and main. Requests all go through one generic invoke channel (the
 * contract channel is its first argument); pushes arrive as batches of `{event, payload}` on one send channel.
 */
export const IPC_INVOKE = 'kreo:invoke';
export const IPC_PUSH = 'kreo:push';

/** One pushed message as it crosses IPC. */
export interface PushMessage {
  event: string;
  payload: unknown;
}
