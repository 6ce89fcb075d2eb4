import { useEffect } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import { DatasetDetails } from '../components/dataset-details.js';
import { LinkHealthSection } from '../components/link-health.js';
import { DownloadOptions } from '../components/download-options.js';
import { VersionHistory } from '../components/version-history.js';
import { ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../lib/use-async.js';
import { useLabels } from '../lib/vocab.js';
import { NotFoundPage } from './not-found.js';

export function DatasetPage({ slug }: { slug: string }) {
  const label = useLabels();
  const card = useAsync((signal) => api.dataset(slug, signal), [slug]);
  useEffect(() => { if (card.data) document.title = `${card.data.name} — MedImg`; }, [card.data]);
  if (card.error instanceof ApiError && (card.error.status === 404 || card.error.status === 400)) {
    return <NotFoundPage what={`No dataset is called “${slug}”.`} />;
  }
  return (
    <div class="dataset-page">
      <nav aria-label="Breadcrumb" class="crumbs"><a href="/search">Search</a> › <span>{card.data?.name ?? slug}</span></nav>
      {card.error ? <ErrorState error={card.error} onRetry={card.retry} /> : !card.data ? <Loading /> : <DatasetDetails card={card.data} label={label} />}
      {card.data && <DownloadOptions card={card.data} label={label} />}
      {card.data?.mirror && <VersionHistory slug={slug} />}
      {card.data && <LinkHealthSection slug={slug} health={card.data.link_health} />}
    </div>
  );
}
