import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type DatasetSummary, type Selection } from '../api/client.js';
import { SelectionPanel } from '../components/selection-panel.js';
import { ErrorState, Loading } from '../components/states.js';
import { sourceCommand } from '../lib/source-commands.js';
import { useAsync } from '../lib/use-async.js';
import { formatNumber, useLabels } from '../lib/vocab.js';

export function DownloadPage() {
  useEffect(() => { document.title = 'Download — MedImg'; }, []);
  const label = useLabels();
  const all = useAsync((signal) => api.allDatasets('', signal), []);
  const groups = useMemo(() => {
    const byModality = new Map<string, Map<string, DatasetSummary[]>>();
    for (const d of all.data ?? []) {
      for (const m of d.modalities) {
        const organs = byModality.get(m) ?? new Map<string, DatasetSummary[]>();
        for (const o of d.organs) organs.set(o, [...(organs.get(o) ?? []), d]);
        byModality.set(m, organs);
      }
    }
    return [...byModality].sort((a, b) => a[0].localeCompare(b[0]));
  }, [all.data]);
  const mirrored = (all.data ?? []).filter((d) => d.mirror_files);
  // "Everything": a selection of the whole catalog (an empty filter), made on the server.
  const [everything, setEverything] = useState<{ data?: Selection; error?: Error } | null>(null);
  const downloadEverything = () => {
    setEverything({});
    api.createSelection({ filter: {} }).then((data) => setEverything({ data }), (error: Error) => setEverything({ error }));
  };

  return (
    <div class="download-page">
      <h1 tabIndex={-1}>Download</h1>
      <p>Every dataset MedImg knows, grouped by modality and organ. {mirrored.length
        ? <><strong>This server mirrors {mirrored.length} of them</strong>; the others</>
        : <><strong>This server holds no mirrored files yet</strong>, so each dataset</>} downloads from its source: follow the link, accept the source's terms and licence, and use the command shown where the platform has one.</p>
      <p><button type="button" class="primary" onClick={downloadEverything}>Download everything</button>{' '}
        <span class="muted small">one ZIP, manifest and verifying script for every mirrored dataset, and where to get the others</span></p>
      {everything && <SelectionPanel title="Download everything" selection={everything.data} error={everything.error}
        onRetry={downloadEverything} onClose={() => setEverything(null)} />}
      <p class="muted small">Sizes are the file counts published by each source; byte sizes appear once a dataset is mirrored here.</p>
      {all.error ? <ErrorState error={all.error} onRetry={all.retry} /> : !all.data ? <Loading /> : groups.map(([modality, organs]) => (
        <section key={modality} aria-labelledby={`dl-${modality}`} class="dl-group">
          <h2 id={`dl-${modality}`}>{label('modality', modality)}</h2>
          {[...organs].sort((a, b) => a[0].localeCompare(b[0])).map(([organ, items]) => (
            <div key={organ}>
              <h3>{label('organ', organ)} <span class="count">{items.length}</span></h3>
              <ul class="dl-list">
                {items.sort((a, b) => a.name.localeCompare(b.name)).map((d) => {
                  const cmd = sourceCommand(d.source_url);
                  return (
                    <li key={d.slug}>
                      <a href={`/datasets/${d.slug}`}>{d.name}</a>{' '}
                      <span class="muted">{d.file_count != null ? `${formatNumber(d.file_count)} ${d.file_count_unit ?? ''}` : 'size not stated'}{d.license ? ` · ${d.license}` : ''}</span>
                      <div><a href={d.source_url} rel="noopener noreferrer" target="_blank">From {label('platform', d.platform)}</a></div>
                      {cmd && <code class="cmd">{cmd}</code>}
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}
