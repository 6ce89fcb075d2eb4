import { useCallback, useLayoutEffect, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  retry: () => void;
}

/** Runs `load` when deps change, aborting the previous run; keeps the last data while reloading. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  // A layout effect starts the request in the same task as the render that asked
  // for it; a plain effect would wait for the next frame.
  useLayoutEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    load(ctrl.signal).then(
      (data) => { if (!ctrl.signal.aborted) setState({ data, loading: false }); },
      (error: Error) => { if (!ctrl.signal.aborted) setState({ error, loading: false }); },
    );
    return () => ctrl.abort();
  }, [...deps, attempt]);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, retry };
}
