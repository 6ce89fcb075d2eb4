import { api } from '../api/client.js';
import { useAsync } from '../lib/use-async.js';
import { baseName, fileHref } from '../lib/files.js';
import { ErrorState, Loading } from './states.js';

const KIND_TEXT: Record<string, string> = { image: 'image', volume: 'volume', signal: 'signal', audio: 'audio', video: 'video', none: 'file' };

/** 6-12 files chosen by the server to cover the dataset's labels and kinds; each opens its viewer. */
export function Samples({ slug }: { slug: string }) {
  const samples = useAsync((signal) => api.samples(slug, signal), [slug]);
  // Files without a preview (a README) are no sample of what the data looks like, unless nothing else is there.
  const previewable = samples.data?.items.filter((f) => f.viewer !== 'none');
  const items = previewable?.length ? previewable : samples.data?.items;
  return (
    <section aria-labelledby={`samples-${slug}`} class="samples">
      <h3 id={`samples-${slug}`}>Representative samples</h3>
      {samples.error ? <ErrorState error={samples.error} onRetry={samples.retry} /> : !items ? <Loading label="Loading samples…" /> : (
        items.length === 0 ? <p class="muted">No file of this mirror can be previewed.</p> : (
          <ul class="sample-grid">
            {items.map((f) => (
              <li key={f.id}>
                <a href={fileHref(slug, f.id)} title={f.path}>
                  {f.thumbnail_url
                    ? <img src={f.thumbnail_url} alt="" loading="lazy" width={160} height={160} />
                    : <span class="thumb-none" aria-hidden="true">{f.kind}</span>}
                  <span class="sample-caption">
                    <span class="sample-label">{f.label ?? baseName(f.path)}</span>
                    <span class="muted small">{KIND_TEXT[f.viewer] ?? f.kind} · {f.format}</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )
      )}
    </section>
  );
}
