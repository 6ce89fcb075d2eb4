/** Filters of the dataset search, already validated. Repeated values are OR, facets are AND. */
export interface DatasetFilters {
  fts?: string;
  modality: string[];
  organ: string[];
  task: string[];
  format: string[];
  data_type: string[];
  labelled?: boolean;
  platform: string[];
  license: string[];
  year_from?: number;
  year_to?: number;
  /** Leave out datasets whose source is flagged unreachable by the update checks. */
  hide_unreachable?: boolean;
}

export type SortKey = 'relevance' | 'name' | 'files' | 'year' | 'updated';

export const MULTI_VALUED_FACETS = ['modality', 'organ', 'task', 'format'] as const;
export type MultiValuedFacet = (typeof MULTI_VALUED_FACETS)[number];

/**
 * Turns what a user typed into an FTS5 query: every word must match, the last
 * one (or each, while typing) as a prefix. Words are quoted so that FTS5 syntax
 * in the input (AND, NEAR, column:, *, quotes) is taken literally, never parsed.
 * Returns undefined when nothing searchable is left.
 */
export function toFtsQuery(input: string | undefined): string | undefined {
  if (!input) return undefined;
  const words = input.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return undefined;
  return words.slice(0, 12).map((w) => `"${w}"*`).join(' ');
}
