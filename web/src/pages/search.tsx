import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type DatasetList } from '../api/client.js';
import { FacetGroup, type FacetOption } from '../components/facet-group.js';
import { Pager } from '../components/pager.js';
import { PieChart } from '../components/pie-chart.js';
import { ResultsTable } from '../components/results-table.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { navigate } from '../lib/router.js';
import { activeFilterCount, emptyState, type FilterFacet, parseSearch, type SearchState, type SortKey, toggleFilter, toQuery } from '../lib/search-state.js';
import { useAsync } from '../lib/use-async.js';
import { type LabelFn, useLabels } from '../lib/vocab.js';

const PER_PAGE = 20;
const TYPING_DEBOUNCE_MS = 80;
const VOCAB_OF: Record<string, string> = { modality: 'modality', organ: 'organ', task: 'task', data_type: 'data_type', platform: 'platform' };

function options(list: DatasetList | undefined, facet: keyof DatasetList['facets'], label: LabelFn): FacetOption[] {
  return (list?.facets[facet] ?? []).map((f) => ({
    value: f.value,
    count: f.count,
    label: facet === 'format' ? `.${f.value}` : facet === 'labelled' ? (f.value === 'true' ? 'Labelled' : 'Unlabelled') : label(VOCAB_OF[facet] ?? facet, f.value),
  }));
}

export function SearchPage({ search }: { search: string }) {
  const state = parseSearch(search);
  const query = toQuery(state);
  const label = useLabels();
  const [text, setText] = useState(state.q);
  const typing = useRef<ReturnType<typeof setTimeout>>();
  const go = (next: SearchState, replace = false) => navigate(`/search${toQuery(next) ? `?${toQuery(next)}` : ''}`, { replace, keepScroll: true });

  useEffect(() => { document.title = state.q ? `“${state.q}” — Search — MedImg` : 'Search — MedImg'; }, [state.q]);
  // Back/forward or a link changes the URL: the box follows.
  useEffect(() => { if (typing.current === undefined) setText(state.q); }, [state.q]);

  const results = useAsync((signal) => api.datasets(`${query}${query ? '&' : ''}per_page=${PER_PAGE}`, signal), [query]);
  const list = results.data;
  const sort: SortKey = state.sort ?? (state.q.trim() ? 'relevance' : 'name');
  const toggle = (facet: FilterFacet) => (value: string) => go(toggleFilter(state, facet, value));

  const onType = (value: string) => {
    setText(value);
    clearTimeout(typing.current);
    typing.current = setTimeout(() => {
      typing.current = undefined;
      go({ ...state, q: value, page: 1, sort: state.sort === 'relevance' && !value.trim() ? undefined : state.sort }, true);
    }, TYPING_DEBOUNCE_MS);
  };

  return (
    <div class="search-page">
      <h1 tabIndex={-1}>Search datasets</h1>
      <form class="searchbox" role="search" onSubmit={(e) => { e.preventDefault(); clearTimeout(typing.current); typing.current = undefined; go({ ...state, q: text, page: 1 }); }}>
        <label for="q">Dataset name</label>
        <input id="q" type="search" value={text} placeholder="e.g. chest X-ray, BraTS, ECG" autoComplete="off" maxLength={200}
          onInput={(e) => onType((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
      </form>

      <div class="search-layout">
        <details class="advanced" open={activeFilterCount(state) > 0 || undefined}>
          <summary>Advanced search {activeFilterCount(state) > 0 && <span class="badge">{activeFilterCount(state)} active</span>}</summary>
          <FacetGroup legend="Modality" options={options(list, 'modality', label)} selected={state.filters.modality} onToggle={toggle('modality')} />
          <FacetGroup legend="Organ" options={options(list, 'organ', label)} selected={state.filters.organ} onToggle={toggle('organ')} />
          <FacetGroup legend="Data type" options={options(list, 'data_type', label)} selected={state.filters.data_type} onToggle={toggle('data_type')} />
          <FacetGroup legend="Task" options={options(list, 'task', label)} selected={state.filters.task} onToggle={toggle('task')} />
          <fieldset class="facet">
            <legend>Annotation</legend>
            {(['', 'true', 'false'] as const).map((v) => {
              const count = list?.facets.labelled.find((f) => f.value === v)?.count;
              return (
                <div class="check" key={v}>
                  <input type="radio" name="labelled" id={`labelled-${v || 'any'}`} checked={(state.labelled ?? '') === v}
                    onChange={() => go({ ...state, labelled: v || undefined, page: 1 })} />
                  <label for={`labelled-${v || 'any'}`}>{v === '' ? 'Any' : v === 'true' ? 'Labelled' : 'Unlabelled'}{count !== undefined && <span class="count"> {count}</span>}</label>
                </div>
              );
            })}
          </fieldset>
          <FacetGroup legend="Format" options={options(list, 'format', label)} selected={state.filters.format} onToggle={toggle('format')} limit={16} />
          <fieldset class="facet">
            <legend>Source link</legend>
            <div class="check">
              <input type="checkbox" id="hide-unreachable" checked={!!state.hideUnreachable} onChange={() => go({ ...state, hideUnreachable: !state.hideUnreachable || undefined, page: 1 })} />
              <label for="hide-unreachable">Hide unreachable sources</label>
            </div>
          </fieldset>
          {activeFilterCount(state) > 0 && <button type="button" class="link" onClick={() => go({ ...emptyState(), q: state.q })}>Clear all filters</button>}
        </details>

        <div class="results-col">
          <section class="charts" aria-label="Results by category (click a slice to filter)">
            <PieChart title="Modality" slices={options(list, 'modality', label)} selected={state.filters.modality} onSelect={toggle('modality')} />
            <PieChart title="Organ" slices={options(list, 'organ', label)} selected={state.filters.organ} onSelect={toggle('organ')} />
            <PieChart title="Task" slices={options(list, 'task', label)} selected={state.filters.task} onSelect={toggle('task')} />
            <PieChart title="Data type" slices={options(list, 'data_type', label)} selected={state.filters.data_type} onSelect={toggle('data_type')} />
          </section>

          <div class="results-head">
            <p role="status" aria-live="polite" class="result-count">
              {list ? `${list.total} dataset${list.total === 1 ? '' : 's'} found` : ''}
            </p>
            <label class="sort-select">Sort by{' '}
              <select value={sort} onChange={(e) => go({ ...state, sort: (e.target as HTMLSelectElement).value as SortKey, page: 1 })}>
                {state.q.trim() && <option value="relevance">Relevance</option>}
                <option value="name">Name</option>
                <option value="files">Files (most first)</option>
                <option value="year">Year (newest first)</option>
              </select>
            </label>
          </div>

          {results.error ? <ErrorState error={results.error} onRetry={results.retry} />
            : !list ? <Loading label="Searching…" />
            : list.total === 0 ? (
              <Empty>
                <p>No dataset matches {state.q ? <>“{state.q}”</> : 'these filters'}.</p>
                {activeFilterCount(state) > 0 && <button type="button" onClick={() => go({ ...emptyState(), q: state.q })}>Clear filters</button>}
              </Empty>
            ) : (
              <>
                <ResultsTable items={list.items} sort={sort} label={label} onSort={(key) => go({ ...state, sort: key, page: 1 })} />
                <Pager page={state.page} total={list.total} perPage={PER_PAGE} onPage={(p) => go({ ...state, page: p })} />
              </>
            )}
        </div>
      </div>
    </div>
  );
}
