/**
 * A Node client of the control API implementing the contract's `KreoClient`: requests go as POST /api/:channel with
 * the bearer token, failures come back as KreoError (the host's code, message and hint); `on()` opens one WebSocket
 * to /api/events lazily and closes it when the last listener leaves. `clientFor(info)` connects to the host a
 * discovery file names (find a live one with `lookupHost` in live-host.ts).
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import {
  requests,
  isRequestChannel,
  type EventChannel,
  type EventPayload,
  type KreoClient,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../../shared/contract';
import { WS_PROTOCOL } from '../../../shared/control-protocol';
import { errorInfoSchema } from '../../../shared/domain/common';
import { KreoError, type ErrorInfo } from '../../../shared/errors';
import { PushListeners } from '../../../shared/push-listeners';
import type { DiscoveryInfo } from './discovery';

export interface ControlClientOptions {
  /** e.g. http://127.0.0.1:43121 */
  baseUrl: string;
  token: string;
  /** Per-request timeout (default 120 s: starting a tunnel can take a while). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const envelopeSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorInfoSchema }),
]);

const START_HINT = 'Start one with "kreo serve" (or open the desktop app).';

export class ControlClient implements KreoClient {
  // One faulty listener must not stop the others (errors are dropped: a CLI has nowhere to show them).
  private readonly listeners = new PushListeners();
  private socket: WebSocket | undefined;
  private socketOpen: Promise<void> | undefined;
  private generation = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ControlClientOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
  }

  async invoke<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>> {
    if (!isRequestChannel(channel))
      throw new KreoError('NOT_FOUND', `There is no request channel named "${String(channel)}".`);
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.opts.baseUrl}/api/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 120_000),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError')
        throw new KreoError('TIMEOUT', `The host did not answer "${channel}" in time.`);
      throw new KreoError('HOST_NOT_RUNNING', 'The KREO host did not answer.', START_HINT);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new KreoError('INTERNAL', `The host answered "${channel}" with HTTP ${res.status} and no JSON.`);
    }
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success)
      throw new KreoError('INTERNAL', `The host answered "${channel}" in an unexpected shape.`);
    if (!envelope.data.ok) throw KreoError.from(envelope.data.error as ErrorInfo);
    const value = requests[channel].output.safeParse(envelope.data.value);
    if (!value.success) {
      throw new KreoError(
        'INTERNAL',
        `The host's answer to "${channel}" does not match this version of kreo.`,
        'Restart the host so both run the same version (kreo host stop).',
      );
    }
    return value.data as RequestOutput<C>;
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const off = this.listeners.add(event, listener);
    this.ensureSocket();
    return () => {
      off();
      if (this.listeners.size === 0) this.closeSocket();
    };
  }

  /** Resolves once the event socket is open (pushes published after this reach the listeners). */
  async subscribed(): Promise<void> {
    this.ensureSocket();
    await this.socketOpen;
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.closeSocket();
  }

  private ensureSocket(): void {
    if (this.socketOpen || this.closed) return;
    const generation = ++this.generation;
    // ws loads on first use: one-shot CLI commands never pay for it.
    this.socketOpen = import('ws').then(({ WebSocket: Ws }) => {
      // Closed (or the last listener left) while ws was loading.
      if (this.closed || generation !== this.generation)
        throw new KreoError('UNAVAILABLE', 'The event stream was closed.');
      const url = `${this.opts.baseUrl.replace(/^http/, 'ws')}/api/events`;
      const socket = new Ws(url, [WS_PROTOCOL], {
        headers: { authorization: `Bearer ${this.opts.token}` },
      });
      this.socket = socket;
      socket.on('message', (data) => this.dispatch(data.toString()));
      socket.on('error', () => {});
      socket.on('close', () => {
        if (this.socket !== socket) return;
        this.socket = undefined;
        this.socketOpen = undefined;
        // Keep listening across a dropped connection while anyone listens.
        if (!this.closed && this.listeners.size > 0)
          this.reconnectTimer = setTimeout(() => this.ensureSocket(), 1000);
      });
      return new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', (_req, res) =>
          reject(
            new KreoError(
              res.statusCode === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE',
              `The host refused the event stream (HTTP ${res.statusCode}).`,
            ),
          ),
        );
        socket.once('error', () =>
          reject(new KreoError('HOST_NOT_RUNNING', 'The KREO host did not answer.', START_HINT)),
        );
      });
    });
    this.socketOpen.catch(() => {});
  }

  private closeSocket(): void {
    this.generation++;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.socketOpen = undefined;
    if (!socket) return;
    if (socket.readyState === socket.CONNECTING) socket.terminate();
    else socket.close();
  }

  private dispatch(text: string): void {
    let message: { event?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    this.listeners.dispatch(message?.event, message?.payload);
  }
}

export function clientFor(info: DiscoveryInfo, opts: Partial<ControlClientOptions> = {}): ControlClient {
  return new ControlClient({ baseUrl: `http://127.0.0.1:${info.port}`, token: info.token, ...opts });
}

/** Re-exported for callers that probe a discovery file they read themselves. */
export { probeHost } from './live-host';
