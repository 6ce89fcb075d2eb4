import { useEffect } from 'preact/hooks';
import { api } from '../api/client.js';
import { LatestUpdates } from '../components/latest-updates.js';
import { ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../lib/use-async.js';
import { formatNumber, useLabels } from '../lib/vocab.js';

export function HomePage() {
  useEffect(() => { document.title = 'MedImg: public medical image datasets'; }, []);
  const stats = useAsync((signal) => api.stats(signal), []);
  const recent = useAsync((signal) => api.datasets('sort=updated&per_page=6', signal), []);
  const events = useAsync((signal) => api.updates('per_page=8', signal), []);
  const label = useLabels();
  return (
    <div class="home">
      <section class="hero">
        <h1 tabIndex={-1}>Public medical image datasets, in one place</h1>
        <p>MedImg gathers public medical imaging datasets from Kaggle, Grand Challenge, PhysioNet, TCIA, Zenodo and research groups, and describes each one the same way: modality, organ, task, formats, size, licence and citation, with the source of every fact.</p>
        <p>Search by name or filter by what you need, browse by data type, modality and organ, then go to the data.</p>
        <p class="cta"><a class="button" href="/search">Search datasets</a> <a class="button secondary" href="/browse">Browse the tree</a></p>
      </section>

      <section aria-labelledby="figures">
        <h2 id="figures">The catalog today</h2>
        {stats.error ? <ErrorState error={stats.error} onRetry={stats.retry} /> : !stats.data ? <Loading /> : (
          <ul class="figures">
            <li><span class="figure">{formatNumber(stats.data.totals.datasets)}</span> datasets</li>
            <li><span class="figure">{formatNumber(stats.data.totals.files)}</span> images, volumes, recordings and cases, as published</li>
            <li><span class="figure">{formatNumber(stats.data.totals.modalities)}</span> modalities</li>
            <li><span class="figure">{formatNumber(stats.data.totals.organs)}</span> organs</li>
          </ul>
        )}
      </section>

      <section aria-labelledby="updates">
        <h2 id="updates">Latest upstream updates</h2>
        <h3>Detected by this server's checks <a class="small" href="/feed.xml" type="application/atom+xml">Atom feed</a></h3>
        {events.error ? <ErrorState error={events.error} onRetry={events.retry} /> : !events.data ? <Loading /> : <LatestUpdates events={events.data.items} />}
        <h3>Last changes recorded in the catalog</h3>
        {recent.error ? <ErrorState error={recent.error} onRetry={recent.retry} /> : !recent.data ? <Loading /> : (
          recent.data.items.some((d) => d.upstream_updated) ? (
            <ul class="updates">
              {recent.data.items.filter((d) => d.upstream_updated).map((d) => (
                <li key={d.slug}>
                  <time dateTime={d.upstream_updated!}>{d.upstream_updated}</time>{' '}
                  <a href={`/datasets/${d.slug}`}>{d.name}</a>{' '}
                  <span class="muted">({d.modalities.map((m) => label('modality', m)).join(', ')})</span>
                </li>
              ))}
            </ul>
          ) : <p class="muted">No upstream update dates are recorded yet.</p>
        )}
        <p class="muted small">Catalog dates are the last changes recorded at each source when its card was written; the server also polls every source on a schedule and lists what changed above.</p>
      </section>
    </div>
  );
}
