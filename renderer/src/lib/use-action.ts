/**
 * State of one user action (a button): idle, running, done with a value, or failed with an error a person can act
 * on. Only the latest run's result is kept, and nothing is set after unmount.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toUiError, type UiError } from './errors';

export type ActionState<T> =
  | { status: 'idle' }
  | { status: 'running'; startedAt: number }
  | { status: 'done'; value: T; at: number }
  | { status: 'failed'; error: UiError; at: number };

export function useAction<A extends unknown[], T>(
  fn: (...args: A) => Promise<T>,
): [ActionState<T>, (...args: A) => Promise<T | undefined>, () => void] {
  const [state, setState] = useState<ActionState<T>>({ status: 'idle' });
  const run = useRef(0);
  const alive = useRef(true);
  const fnRef = useRef(fn);
  useEffect(() => {
    fnRef.current = fn;
  });
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  const start = useCallback(async (...args: A) => {
    const id = ++run.current;
    setState({ status: 'running', startedAt: Date.now() });
    try {
      const value = await fnRef.current(...args);
      if (alive.current && id === run.current) setState({ status: 'done', value, at: Date.now() });
      return value;
    } catch (err) {
      if (alive.current && id === run.current)
        setState({ status: 'failed', error: toUiError(err), at: Date.now() });
      return undefined;
    }
  }, []);
  const reset = useCallback(() => {
    run.current++;
    setState({ status: 'idle' });
  }, []);
  return [state, start, reset];
}
