import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorState, Loading } from '../states.js';

/**
 * A component whose code is fetched on first render (dynamic import), so that the main
 * bundle carries none of it. `label` is what the loading state says meanwhile.
 */
export function lazyComponent<P extends object>(load: () => Promise<{ default: ComponentType<P> }>, label = 'Loading…'): ComponentType<P> {
  let cached: ComponentType<P> | undefined;
  return function Lazy(props: P) {
    const [C, setC] = useState<ComponentType<P> | undefined>(() => cached);
    const [error, setError] = useState<Error | null>(null);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (C) return;
      let live = true;
      load().then((m) => { cached = m.default; if (live) setC(() => m.default); }, (e: Error) => { if (live) setError(e); });
      return () => { live = false; };
    }, [attempt]);
    if (error) return <ErrorState error={error} onRetry={() => { setError(null); setAttempt((a) => a + 1); }} />;
    return C ? <C {...props} /> : <Loading label={label} />;
  };
}
