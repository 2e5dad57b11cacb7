/**
 * Hands the `window.kreo` API to components through context (tests and the dev harness pass a fake), plus the hooks
 * that subscribe to pushed events with React-effect cleanup.
 */
import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import type { EventChannel, EventPayload } from '../../../shared/contract';
import type { KreoApi } from '../../../shared/kreo-api';

const KreoContext = createContext<KreoApi | null>(null);

export function KreoProvider({ api, children }: { api: KreoApi; children: ReactNode }) {
  return <KreoContext.Provider value={api}>{children}</KreoContext.Provider>;
}

export function useKreo(): KreoApi {
  const api = useContext(KreoContext);
  if (!api) throw new Error('useKreo() outside <KreoProvider>');
  return api;
}

/** Subscribes to a pushed event for the component's lifetime; the latest listener is always called. */
export function usePush<E extends EventChannel>(
  event: E,
  listener: (payload: EventPayload<E>) => void,
): void {
  const api = useKreo();
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  });
  useEffect(() => api.on(event, (payload) => ref.current(payload)), [api, event]);
}
