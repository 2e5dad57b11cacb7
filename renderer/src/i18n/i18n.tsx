/**
 * Language context: follows the system language (navigator.languages) until the user picks one in the app; the
 * choice is remembered in localStorage and mirrored on <html lang>.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { detectLanguage, isLang, LOCALES, makeTranslate, type Lang, type Translate } from './translate';

const STORAGE_KEY = 'kreo.lang';

interface I18n {
  lang: Lang;
  locale: string;
  t: Translate;
  setLang(lang: Lang): void;
}

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {}
  return detectLanguage(
    typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]),
  );
}

export function I18nProvider({ children, lang: forced }: { children: ReactNode; lang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => forced ?? initialLanguage());
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {}
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({ lang, locale: LOCALES[lang], t: makeTranslate(lang), setLang }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n() outside <I18nProvider>');
  return v;
}
