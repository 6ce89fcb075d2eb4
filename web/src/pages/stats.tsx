import { useEffect } from 'preact/hooks';
import { api } from '../api/client.js';
import { BarTable } from '../components/bar-table.js';
import { ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../lib/use-async.js';
import { formatNumber, useLabels } from '../lib/vocab.js';

export function StatsPage() {
  useEffect(() => { document.title = 'Statistics — MedImg'; }, []);
  const label = useLabels();
  const stats = useAsync((signal) => api.stats(signal), []);
  const s = stats.data;
  return (
    <div class="stats-page">
      <h1 tabIndex={-1}>Statistics</h1>
      <p>Computed live from the catalog, after Figure 1 and Table 1 of the MedImg paper. File counts are those published by each source; a dataset listed under two organs or modalities counts in each.</p>
      {stats.error ? <ErrorState error={stats.error} onRetry={stats.retry} /> : !s ? <Loading /> : (
        <>
          <p class="figures-line">{formatNumber(s.totals.datasets)} datasets · {formatNumber(s.totals.files)} files · {s.totals.modalities} modalities · {s.totals.organs} organs</p>
          <div class="chart-grid">
            <BarTable caption="A. Datasets by modality" unit="Modality" bars={s.by_modality.map((d) => ({ label: d.label, value: d.datasets }))} />
            <BarTable caption="B. Datasets by organ" unit="Organ" bars={s.by_organ.map((d) => ({ label: d.label, value: d.datasets }))} />
            <BarTable caption="C. Datasets by task" unit="Task" bars={s.by_task.map((d) => ({ label: d.label, value: d.datasets }))} />
            <BarTable caption="D. Files per dataset (log scale bins)" unit="Files" bars={[
              ...s.files_histogram.bins.map((b) => ({ label: `${formatNumber(b.min)}–${formatNumber(b.max - 1)}`, value: b.datasets })),
              ...(s.files_histogram.unknown ? [{ label: 'not stated', value: s.files_histogram.unknown }] : []),
            ]} />
          </div>
          <h2>Table 1. Datasets by organ and modality</h2>
          <div class="table-wrap">
            <table class="table1">
              <thead><tr><th scope="col">Organ</th><th scope="col">Modality</th><th scope="col">Files</th><th scope="col">Datasets</th><th scope="col">Formats</th><th scope="col">Tasks</th></tr></thead>
              <tbody>
                {s.table1.map((c) => (
                  <tr key={`${c.organ}/${c.modality}`}>
                    <th scope="row" data-label="Organ">{label('organ', c.organ)}</th>
                    <td data-label="Modality"><a href={`/search?organ=${c.organ}&modality=${c.modality}`}>{label('modality', c.modality)}</a></td>
                    <td data-label="Files" class="num">{formatNumber(c.files)}</td>
                    <td data-label="Datasets" class="num">{c.datasets}</td>
                    <td data-label="Formats">{c.formats.join(', ') || '—'}</td>
                    <td data-label="Tasks">{c.tasks.map((t) => label('task', t)).join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
