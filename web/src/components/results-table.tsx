import type { DatasetSummary } from '../api/client.js';
import type { SortKey } from '../lib/search-state.js';
import { formatNumber, type LabelFn } from '../lib/vocab.js';

const SORTABLE: { key: SortKey; text: string }[] = [
  { key: 'name', text: 'Name' },
  { key: 'files', text: 'Files' },
  { key: 'year', text: 'Year' },
];

export function ResultsTable({ items, sort, onSort, label }: {
  items: DatasetSummary[];
  sort: SortKey;
  onSort: (key: SortKey) => void;
  label: LabelFn;
}) {
  const header = (key: SortKey, text: string) => (
    <th scope="col" aria-sort={sort === key ? (key === 'name' ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="sort" onClick={() => onSort(key)}>
        {text}<span aria-hidden="true">{sort === key ? (key === 'name' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
  return (
    <div class="table-wrap">
      <table class="results">
        <caption class="sr-only">Datasets matching the search</caption>
        <thead>
          <tr>
            {header('name', SORTABLE[0]!.text)}
            <th scope="col">Modality</th>
            <th scope="col">Organ</th>
            <th scope="col">Task</th>
            {header('files', SORTABLE[1]!.text)}
            {header('year', SORTABLE[2]!.text)}
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.slug}>
              <td data-label="Name"><a href={`/datasets/${d.slug}`}>{d.name}</a></td>
              <td data-label="Modality">{d.modalities.map((m) => label('modality', m)).join(', ')}</td>
              <td data-label="Organ">{d.organs.map((o) => label('organ', o)).join(', ')}</td>
              <td data-label="Task">{d.tasks.map((t) => label('task', t)).join(', ') || '—'}</td>
              <td data-label="Files" class="num"><span>{d.file_count != null ? formatNumber(d.file_count) : '—'}{d.file_count_unit && d.file_count != null ? <span class="muted small"> {d.file_count_unit}</span> : null}</span></td>
              <td data-label="Year" class="num">{d.year ?? '—'}</td>
              {/* Demo data has no upstream source: MedImg generated it. */}
              <td data-label="Source">{d.demo ? <span class="badge demo">synthetic demo</span> : <a href={d.source_url} rel="noopener noreferrer" target="_blank">{label('platform', d.platform)}</a>}{d.link_health?.flagged && <span class="flag-unreachable small" title={`Unreachable for the last ${d.link_health.consecutive_failures} checks`}> unreachable</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
