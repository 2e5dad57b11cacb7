/**
 * The `window.kreo` shape, derived from the contract: `'tunnel:start'` becomes `kreo.tunnel.start(input)`, and
 * `kreo.on('tunnel:status', cb)` returns an unsubscribe function. Built the same way by the Electron preload and the
 * browser-mode bridge, so the renderer cannot tell them apart.
 */
import {
  REQUEST_CHANNELS,
  type EventChannel,
  type EventPayload,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from './contract';

type Namespace<C extends string> = C extends `${infer N}:${string}` ? N : never;
type Method<C extends string> = C extends `${string}:${infer M}` ? M : never;

export type KreoApi = {
  [N in Namespace<RequestChannel>]: {
    [C in RequestChannel as Namespace<C> extends N ? Method<C> : never]: (
      input?: RequestInput<C>,
    ) => Promise<RequestOutput<C>>;
  };
} & {
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

export type Invoke = (channel: RequestChannel, input: unknown) => Promise<unknown>;
export type Subscribe = (event: EventChannel, listener: (payload: unknown) => void) => () => void;

/** Builds the namespaced API from two transport primitives. */
export function buildKreoApi(invoke: Invoke, subscribe: Subscribe): KreoApi {
  const api: Record<string, unknown> = {};
  for (const channel of REQUEST_CHANNELS) {
    const [ns, method] = channel.split(':') as [string, string];
    const group = (api[ns] ??= {}) as Record<string, unknown>;
    group[method] = (input?: unknown) => invoke(channel, input);
  }
  api.on = (event: EventChannel, listener: (payload: unknown) => void) => subscribe(event, listener);
  return api as KreoApi;
}
