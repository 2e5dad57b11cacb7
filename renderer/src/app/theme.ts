/** Theme choice: follow the system (prefers-color-scheme) unless the user picked light or dark; remembered locally. */
import { useCallback, useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'kreo.theme';

function saved(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    if (v === 'light' || v === 'dark' || v === 'system') return v;
  } catch {}
  return 'system';
}

export function useTheme(): [ThemeChoice, (t: ThemeChoice) => void] {
  const [theme, setTheme] = useState<ThemeChoice>(saved);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }, [theme]);
  const set = useCallback((t: ThemeChoice) => {
    setTheme(t);
    try {
      localStorage.setItem(KEY, t);
    } catch {}
  }, []);
  return [theme, set];
}
