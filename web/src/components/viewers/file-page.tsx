// The page of one mirrored file: its viewer, download link and header facts (loaded on demand by pages/file-viewer.tsx).
import { useEffect } from 'preact/hooks';
import { api, ApiError, type FileItem } from '../../api/client.js';
import { DemoBanner } from '../demo-banner.js';
import { baseName, formatBytes } from '../../lib/files.js';
import { ErrorState, Loading } from '../states.js';
import { FileViewer } from './index.js';
import { useAsync } from '../../lib/use-async.js';
import { NotFoundPage } from '../../pages/not-found.js';

/** Header facts worth showing, in reading order; values are rendered as text. */
function facts(f: FileItem): [string, string][] {
  const m = (f.meta ?? {}) as Record<string, unknown>;
  const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : null);
  const out: [string, string][] = [
    ['Kind', f.kind], ['Format', f.format], ['Size', formatBytes(f.size)],
  ];
  if (f.label) out.push(['Label', f.label]);
  if (f.split) out.push(['Split', f.split]);
  if (f.role) out.push(['Role', f.role === 'mask' ? 'segmentation mask' : 'image with a mask']);
  const w = num('width'), h = num('height'), d = num('depth');
  if (w && h) out.push(['Dimensions', [w, h, d && d > 1 ? d : null].filter(Boolean).join(' × ')]);
  if (Array.isArray(m.spacing)) out.push(['Spacing', (m.spacing as number[]).map((v) => Number(Number(v).toPrecision(3))).join(' × ')]);
  if (num('bitDepth')) out.push(['Bits per sample', String(num('bitDepth'))]);
  if (num('channels')) out.push(['Channels', String(num('channels'))]);
  if (num('frames')) out.push(['Frames', String(num('frames'))]);
  if (num('durationSec')) out.push(['Duration', `${num('durationSec')!.toFixed(2)} s`]);
  if (num('sampleRate')) out.push(['Sample rate', `${num('sampleRate')} Hz`]);
  if (num('leads')) out.push(['Leads', String(num('leads'))]);
  return out;
}

export default function FilePage({ slug, id }: { slug: string; id: number }) {
  const file = useAsync((signal) => api.file(id, signal), [id]);
  const card = useAsync((signal) => api.dataset(slug, signal), [slug]);
  const f = file.data && file.data.dataset === slug ? file.data : undefined;
  useEffect(() => { if (f) document.title = `${baseName(f.path)} — ${card.data?.name ?? slug} — MedImg`; }, [f, card.data]);
  const missing = (e: Error | undefined) => e instanceof ApiError && (e.status === 404 || e.status === 400);
  if (missing(file.error) || missing(card.error) || (file.data && file.data.dataset !== slug)) {
    return <NotFoundPage what={`Dataset “${slug}” has no file ${id}.`} />;
  }
  const back = `/datasets/${encodeURIComponent(slug)}`;
  return (
    <div class="file-page">
      <nav aria-label="Breadcrumb" class="crumbs"><a href={back}>{card.data?.name ?? slug}</a> › <span>{f ? baseName(f.path) : `file ${id}`}</span></nav>
      {file.error ? <ErrorState error={file.error} onRetry={file.retry} /> : !f ? <Loading /> : (
        <article aria-labelledby="file-title">
          <h1 id="file-title" tabIndex={-1} class="file-title">{baseName(f.path)}</h1>
          {card.data?.demo && <DemoBanner />}
          <p class="muted file-path"><code>{f.path}</code></p>
          <FileViewer file={f} />
          <p class="actions">
            <a class="button" href={api.rawUrl(f.id)} download>Download ({formatBytes(f.size)})</a>
            {f.pair_id !== null && <a href={`${back}/files/${f.pair_id}`}>{f.role === 'mask' ? 'Open the image of this mask' : 'Open the paired mask'}</a>}
            <a href={back}>Back to the dataset</a>
          </p>
          <dl class="fields file-facts-list">
            {facts(f).map(([k, v]) => <div class="field" key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
            {f.sha256 && <div class="field"><dt>SHA-256</dt><dd><code>{f.sha256}</code></dd></div>}
          </dl>
          {f.error && <p class="state state-error">This file could not be read while indexing: {f.error}</p>}
        </article>
      )}
    </div>
  );
}
