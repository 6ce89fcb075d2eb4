// The whole search state lives in the URL, with the API's own parameter names,
// so a search can be bookmarked, shared and restored with the back button.

export const FILTER_FACETS = ['modality', 'organ', 'task', 'data_type', 'format', 'platform'] as const;
export type FilterFacet = (typeof FILTER_FACETS)[number];
export type SortKey = 'relevance' | 'name' | 'files' | 'year';

export interface SearchState {
  q: string;
  filters: Record<FilterFacet, string[]>;
  labelled?: 'true' | 'false';
  /** Leave out datasets whose source is flagged unreachable (hide_unreachable=true). */
  hideUnreachable?: boolean;
  sort?: SortKey;
  page: number;
}

const SORTS: SortKey[] = ['relevance', 'name', 'files', 'year'];

export function emptyState(): SearchState {
  return { q: '', filters: { modality: [], organ: [], task: [], data_type: [], format: [], platform: [] }, page: 1 };
}

export function parseSearch(search: string): SearchState {
  const p = new URLSearchParams(search);
  const s = emptyState();
  s.q = (p.get('q') ?? '').slice(0, 200);
  for (const f of FILTER_FACETS) s.filters[f] = [...new Set(p.getAll(f).filter(Boolean))];
  const labelled = p.get('labelled');
  if (labelled === 'true' || labelled === 'false') s.labelled = labelled;
  if (p.get('hide_unreachable') === 'true') s.hideUnreachable = true;
  const sort = p.get('sort') as SortKey | null;
  if (sort && SORTS.includes(sort)) s.sort = sort;
  const page = Number(p.get('page'));
  s.page = Number.isInteger(page) && page >= 1 ? page : 1;
  return s;
}

/** Canonical query string: fixed parameter order, defaults left out. */
export function toQuery(s: SearchState): string {
  const p = new URLSearchParams();
  if (s.q.trim()) p.set('q', s.q.trim());
  for (const f of FILTER_FACETS) for (const v of s.filters[f]) p.append(f, v);
  if (s.labelled) p.set('labelled', s.labelled);
  if (s.hideUnreachable) p.set('hide_unreachable', 'true');
  if (s.sort) p.set('sort', s.sort);
  if (s.page > 1) p.set('page', String(s.page));
  return p.toString();
}

export function toggleFilter(s: SearchState, facet: FilterFacet, value: string): SearchState {
  const values = s.filters[facet];
  const next = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
  return { ...s, filters: { ...s.filters, [facet]: next }, page: 1 };
}

export function activeFilterCount(s: SearchState): number {
  return FILTER_FACETS.reduce((n, f) => n + s.filters[f].length, 0) + (s.labelled ? 1 : 0) + (s.hideUnreachable ? 1 : 0);
}
