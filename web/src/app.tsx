import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from './lib/router.js';
import { BrowsePage } from './pages/browse.js';
import { DatasetPage } from './pages/dataset.js';
import { DownloadPage } from './pages/download.js';
import { FileViewerPage } from './pages/file-viewer.js';
import { HomePage } from './pages/home.js';
import { NotFoundPage } from './pages/not-found.js';
import { SearchPage } from './pages/search.js';
import { StatsPage } from './pages/stats.js';

const NAV = [
  ['/', 'Home'],
  ['/search', 'Search'],
  ['/browse', 'Browse'],
  ['/download', 'Download'],
  ['/stats', 'Statistics'],
] as const;

function route(path: string, search: string) {
  if (path === '/') return <HomePage />;
  if (path === '/search') return <SearchPage search={search} />;
  if (path === '/browse') return <BrowsePage search={search} />;
  if (path === '/download') return <DownloadPage />;
  if (path === '/stats') return <StatsPage />;
  const fm = /^\/datasets\/([^/]+)\/files\/([1-9]\d{0,15})\/?$/.exec(path);
  if (fm) return <FileViewerPage slug={decodeURIComponent(fm[1]!)} id={Number(fm[2])} />;
  const m = /^\/datasets\/([^/]+)\/?$/.exec(path);
  if (m) return <DatasetPage slug={decodeURIComponent(m[1]!)} />;
  return <NotFoundPage />;
}

export function App() {
  const { path, search } = useLocation();
  const section = NAV.find(([href]) => href !== '/' && path.startsWith(href))?.[0] ?? (path === '/' ? '/' : '');
  const firstPath = useRef(path);
  useEffect(() => {
    // After a client-side navigation (not the first load, where Tab must reach the
    // skip link first), move focus to the new page's heading for screen readers.
    if (path === firstPath.current) return;
    firstPath.current = '';
    const h1 = document.querySelector<HTMLElement>('main h1');
    h1?.focus({ preventScroll: true });
  }, [path]);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="site-header">
        <a class="brand" href="/" aria-label="MedImg home"><span aria-hidden="true" class="logo">✚</span> MedImg</a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, text]) => (
              <li key={href}><a href={href} aria-current={section === href ? 'page' : undefined}>{text}</a></li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>{route(path, search)}</main>
      <footer class="site-footer">
        <p>MedImg is open source. Each dataset keeps its own licence: check it at the source before use. <a href="/api/docs">API reference</a></p>
      </footer>
    </>
  );
}
