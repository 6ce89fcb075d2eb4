import { useState } from 'preact/hooks';
import { api, type VersionSummary } from '../api/client.js';
import { useAsync } from '../lib/use-async.js';
import { formatNumber } from '../lib/vocab.js';
import { formatBytes } from '../lib/files.js';
import { Pager } from './pager.js';
import { Empty, ErrorState, Loading } from './states.js';

type Change = 'added' | 'removed' | 'modified';
const CHANGES: Change[] = ['added', 'removed', 'modified'];
const PER_PAGE = 50;

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const counts = (v: VersionSummary) =>
  `${formatNumber(v.added.files)} added, ${formatNumber(v.removed.files)} removed, ${formatNumber(v.modified.files)} modified`;

/** One version's file-level diff against the version before, a page at a time, filterable by change. */
function VersionDiff({ slug, version }: { slug: string; version: VersionSummary }) {
  const [change, setChange] = useState<Change | null>(null);
  const [page, setPage] = useState(1);
  const query = `${change ? `change=${change}&` : ''}page=${page}&per_page=${PER_PAGE}`;
  const diff = useAsync((signal) => api.version(slug, version.version, query, signal), [slug, version.version, query]);
  const pick = (c: Change | null) => { setChange(c); setPage(1); };
  return (
    <div class="version-diff">
      <div class="version-filter" role="group" aria-label={`Changes of version ${version.version} to show`}>
        <button type="button" aria-pressed={change === null} onClick={() => pick(null)}>All</button>
        {CHANGES.map((c) => (
          <button key={c} type="button" aria-pressed={change === c} disabled={version[c].files === 0} onClick={() => pick(c)}>
            {c[0]!.toUpperCase() + c.slice(1)} ({formatNumber(version[c].files)})
          </button>
        ))}
      </div>
      {diff.error ? <ErrorState error={diff.error} onRetry={diff.retry} /> : !diff.data ? <Loading /> : (
        <>
          <ul class="version-changes">
            {diff.data.diff.items.map((c) => (
              <li key={c.path} class={`change-${c.change}`}>
                <span class="change-kind">{c.change}</span> <code>{c.path}</code>{' '}
                <span class="muted">
                  {c.change === 'modified' ? `${formatBytes(c.old_size ?? 0)} → ${formatBytes(c.size ?? 0)}` : formatBytes((c.size ?? c.old_size) ?? 0)}
                </span>
              </li>
            ))}
          </ul>
          <Pager page={page} total={diff.data.diff.total} perPage={PER_PAGE} onPage={setPage} />
        </>
      )}
    </div>
  );
}

function VersionEntry({ slug, version }: { slug: string; version: VersionSummary }) {
  const [open, setOpen] = useState(false);
  return (
    <li class="version">
      <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>
          <strong>Version {version.version}</strong> · {when(version.created_at)} · {formatNumber(version.files)} files ({formatBytes(version.bytes)}) · {counts(version)}
        </summary>
        {open && <VersionDiff slug={slug} version={version} />}
      </details>
      <a href={version.manifest_url} download>Manifest of version {version.version} (TSV: path, size, SHA-256)</a>
    </li>
  );
}

/** The recorded versions of a mirrored dataset, newest first: counts, manifest link and an expandable diff. */
export function VersionHistory({ slug }: { slug: string }) {
  const [page, setPage] = useState(1);
  const list = useAsync((signal) => api.versions(slug, page, signal), [slug, page]);
  return (
    <section aria-labelledby={`versions-${slug}`} class="mirror versions">
      <h3 id={`versions-${slug}`}>Version history</h3>
      <p class="muted">Each ingestion that changed the files records a version. Its manifest stays downloadable, so an experiment can say exactly which files it used.</p>
      {list.error ? <ErrorState error={list.error} onRetry={list.retry} /> : !list.data ? <Loading /> : list.data.total === 0 ? (
        <Empty>No version recorded yet.</Empty>
      ) : (
        <>
          <ul class="version-list">{list.data.items.map((v) => <VersionEntry key={v.version} slug={slug} version={v} />)}</ul>
          <Pager page={page} total={list.data.total} perPage={list.data.per_page} onPage={setPage} />
        </>
      )}
    </section>
  );
}
