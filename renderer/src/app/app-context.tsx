/** Context carrying the shared app state, its dispatcher and the data hub (events, logs, rate history). */
import { createContext, useContext } from 'react';
import type { AppAction, AppState } from './app-state';
import type { DataHub } from './data-hub';

export interface AppContextValue {
  state: AppState;
  dispatch: (action: AppAction) => void;
  hub: DataHub;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error('useApp() outside the panel');
  return v;
}
