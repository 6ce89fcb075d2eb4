import { useEffect, useState } from 'preact/hooks';

type Listener = () => void;
const listeners = new Set<Listener>();
const notify = () => listeners.forEach((l) => l());

export interface Loc {
  path: string;
  search: string;
}
const current = (): Loc => ({ path: window.location.pathname, search: window.location.search });

export function navigate(url: string, opts: { replace?: boolean; keepScroll?: boolean } = {}): void {
  if (url === window.location.pathname + window.location.search) return;
  const samePath = new URL(url, window.location.href).pathname === window.location.pathname;
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  if (!samePath && !opts.keepScroll) window.scrollTo(0, 0);
  notify();
}

export function startRouter(): void {
  window.addEventListener('popstate', notify);
  // Same-origin links navigate without a reload; modified clicks keep their browser meaning.
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
    if (a.pathname.startsWith('/api/')) return;
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
}

export function useLocation(): Loc {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = () => setLoc(current());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return loc;
}
