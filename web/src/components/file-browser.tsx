import { useState } from 'preact/hooks';
import { api, type FileItem, type Tree } from '../api/client.js';
import { navigate, useLocation } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import { baseName, fileHref, formatBytes } from '../lib/files.js';
import { formatNumber } from '../lib/vocab.js';
import { Pager } from './pager.js';
import { ErrorState, Loading } from './states.js';

const PER_PAGE = 24;
/** The query parameters this component owns; others in the URL (e.g. Browse's `dataset`) are kept. */
const KEYS = ['path', 'label', 'kind', 'format', 'failed', 'page', 'view'] as const;

export interface BrowserState {
  path: string;
  label: string;
  kind: string;
  format: string;
  failed: boolean;
  page: number;
  view: 'grid' | 'list';
}

export function parseBrowserState(search: string): BrowserState {
  const q = new URLSearchParams(search);
  const page = Number(q.get('page'));
  return {
    path: q.get('path') ?? '', label: q.get('label') ?? '', kind: q.get('kind') ?? '', format: q.get('format') ?? '',
    failed: q.get('failed') === 'true', page: Number.isInteger(page) && page > 0 ? page : 1, view: q.get('view') === 'list' ? 'list' : 'grid',
  };
}

/** The URL of the current page with the browser state replaced (defaults left out, so URLs stay short). */
function hrefFor(loc: { path: string; search: string }, s: BrowserState): string {
  const q = new URLSearchParams(loc.search);
  KEYS.forEach((k) => q.delete(k));
  if (s.path) q.set('path', s.path);
  if (s.label) q.set('label', s.label);
  if (s.kind) q.set('kind', s.kind);
  if (s.format) q.set('format', s.format);
  if (s.failed) q.set('failed', 'true');
  if (s.page > 1) q.set('page', String(s.page));
  if (s.view === 'list') q.set('view', 'list');
  const qs = q.toString();
  return `${loc.path}${qs ? `?${qs}` : ''}`;
}

/** The API query of the files endpoint for a browser state. */
function filesQuery(s: BrowserState): string {
  const q = new URLSearchParams();
  if (s.path) q.set('path', s.path);
  if (s.label) q.set('label', s.label);
  if (s.kind) q.set('kind', s.kind);
  if (s.format) q.set('format', s.format);
  if (s.failed) q.set('failed', 'true');
  q.set('page', String(s.page));
  q.set('per_page', String(PER_PAGE));
  return q.toString();
}

// Kept for modules that import them from here; their home is lib/files.ts (importing this module pulls the
// whole file browser into the importer's bundle chunk).
export { baseName, fileHref, formatBytes };

function FolderNode({ slug, folder, current, onPick }: { slug: string; folder: Tree['folders'][number]; current: string; onPick: (path: string) => void }) {
  const [open, setOpen] = useState(current.startsWith(folder.path) && current !== folder.path);
  const children = useAsync((signal) => (open ? api.tree(slug, folder.path, signal) : Promise.resolve(undefined)), [slug, folder.path, open]);
  const here = current === folder.path;
  return (
    <li>
      <div class="folder-row">
        <button type="button" class="twisty" aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${folder.name}`} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span>
        </button>
        <button type="button" class="folder-name" aria-current={here ? 'true' : undefined} onClick={() => onPick(folder.path)}>{folder.name}</button>
        <span class="count">{formatNumber(folder.files)}</span>
      </div>
      {open && (children.data
        ? children.data.folders.length > 0 && <ul>{children.data.folders.map((f) => <FolderNode key={f.path} slug={slug} folder={f} current={current} onPick={onPick} />)}</ul>
        : children.error ? <ErrorState error={children.error} onRetry={children.retry} /> : null)}
    </li>
  );
}

function FileCard({ slug, f }: { slug: string; f: FileItem }) {
  const name = baseName(f.path);
  return (
    <li class={`file-card${f.error ? ' failed' : ''}`}>
      <a href={fileHref(slug, f.id)} title={f.path}>
        {f.thumbnail_url
          ? <img src={f.thumbnail_url} alt="" loading="lazy" width={128} height={128} />
          : <span class="thumb-none" aria-hidden="true">{f.kind}</span>}
        <span class="file-name">{name}</span>
      </a>
      <span class="file-facts">{[f.label, f.split, f.format, formatBytes(f.size)].filter(Boolean).join(' · ')}</span>
      {f.error && <span class="file-error">Not readable: {f.error}</span>}
    </li>
  );
}

function FileRow({ slug, f }: { slug: string; f: FileItem }) {
  return (
    <li class={`file-row${f.error ? ' failed' : ''}`}>
      <a href={fileHref(slug, f.id)}>{f.path}</a>
      <span class="file-facts">{[f.label ? `label ${f.label}` : null, f.split, f.kind, f.format, formatBytes(f.size)].filter(Boolean).join(' · ')}</span>
      {f.error && <span class="file-error">Not readable: {f.error}</span>}
    </li>
  );
}

function Select({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: string[]; onChange: (v: string) => void }) {
  return (
    <div class="filter">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">All</option>
        {[...new Set([...options, ...(value ? [value] : [])])].map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </div>
  );
}

/**
 * The mirrored files of a dataset: folder tree with counts, filters and a paged grid or list.
 * Its whole state is in the URL query, so a view can be bookmarked and shared.
 */
export function FileBrowser({ slug, summary }: { slug: string; summary: { by_label?: Record<string, number>; by_kind?: Record<string, number>; by_format?: Record<string, number> } | null }) {
  const loc = useLocation();
  const s = parseBrowserState(loc.search);
  const root = useAsync((signal) => api.tree(slug, '', signal), [slug]);
  const files = useAsync((signal) => api.files(slug, filesQuery(s), signal), [slug, filesQuery(s)]);
  const go = (patch: Partial<BrowserState>) => navigate(hrefFor(loc, { ...s, page: 1, ...patch }), { keepScroll: true });
  const keys = (o: Record<string, number> | undefined) => Object.keys(o ?? {}).sort();
  const id = (k: string) => `fb-${k}-${slug}`;
  const crumbs = s.path.split('/').filter(Boolean);

  return (
    <section class="file-browser" aria-labelledby={id('title')}>
      <h3 id={id('title')}>Files</h3>
      <div class="fb-layout">
        <nav class="folders" aria-label="Folders">
          <button type="button" class="folder-name" aria-current={s.path === '' ? 'true' : undefined} onClick={() => go({ path: '' })}>
            All files {root.data && <span class="count">{formatNumber(root.data.files + root.data.folders.reduce((n, f) => n + f.files, 0))}</span>}
          </button>
          {root.error ? <ErrorState error={root.error} onRetry={root.retry} /> : !root.data ? <Loading /> : (
            <ul class="folder-tree">{root.data.folders.map((f) => <FolderNode key={f.path} slug={slug} folder={f} current={s.path} onPick={(path) => go({ path })} />)}</ul>
          )}
        </nav>
        <div class="fb-main">
          <div class="filters" role="group" aria-label="Filter files">
            <Select id={id('label')} label="Label" value={s.label} options={keys(summary?.by_label)} onChange={(label) => go({ label })} />
            <Select id={id('kind')} label="Kind" value={s.kind} options={keys(summary?.by_kind)} onChange={(kind) => go({ kind })} />
            <Select id={id('format')} label="Format" value={s.format} options={keys(summary?.by_format)} onChange={(format) => go({ format })} />
            <label class="check"><input type="checkbox" checked={s.failed} onChange={(e) => go({ failed: (e.target as HTMLInputElement).checked })} /> Unreadable only</label>
            <div class="view-toggle" role="group" aria-label="Show as">
              <button type="button" aria-pressed={s.view === 'grid'} onClick={() => go({ view: 'grid', page: s.page })}>Grid</button>
              <button type="button" aria-pressed={s.view === 'list'} onClick={() => go({ view: 'list', page: s.page })}>List</button>
            </div>
          </div>
          {crumbs.length > 0 && (
            <p class="fb-path">In <code>{s.path}</code> <button type="button" class="link" onClick={() => go({ path: crumbs.slice(0, -1).map((c) => `${c}/`).join('') })}>Up one folder</button></p>
          )}
          {files.error ? <ErrorState error={files.error} onRetry={files.retry} /> : !files.data ? <Loading label="Loading files…" /> : (
            <>
              <p class="result-count" role="status">{formatNumber(files.data.total)} {files.data.total === 1 ? 'file' : 'files'}</p>
              {files.data.items.length > 0 && (s.view === 'grid'
                ? <ul class="file-grid">{files.data.items.map((f) => <FileCard key={f.id} slug={slug} f={f} />)}</ul>
                : <ul class="file-list">{files.data.items.map((f) => <FileRow key={f.id} slug={slug} f={f} />)}</ul>)}
              <Pager page={s.page} total={files.data.total} perPage={PER_PAGE} onPage={(page) => go({ page })} />
            </>
          )}
        </div>
      </div>
    </section>
  );
}
