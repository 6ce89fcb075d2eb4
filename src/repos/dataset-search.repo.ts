import { type SelectQueryBuilder, sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { type DatasetFilters, MULTI_VALUED_FACETS, type SortKey } from '../domain/dataset-query.js';
import { FLAG_AFTER_FAILURES } from '../domain/update-diff.js';

type Query = SelectQueryBuilder<Database, 'datasets', object>;
export type FacetName = 'modality' | 'organ' | 'task' | 'format' | 'data_type' | 'labelled' | 'platform' | 'license';

const COLUMN_FACETS = { data_type: 'data_type', platform: 'platform', license: 'license_key' } as const;

// bm25 weights, one per FTS column (slug, name, aliases, description, citation):
// a hit in the name counts most, then an alias, the citation, the description.
const RANK = sql<number>`bm25(datasets_fts, 0.0, 10.0, 6.0, 1.0, 2.0)`;

export interface SearchRow {
  card: string;
}

export function createDatasetSearchRepo(db: Db) {
  /** Adds every active filter except `except`, so facet counts reflect the other facets only. */
  function applyFilters(qb: Query, f: DatasetFilters, except?: FacetName): Query {
    for (const facet of MULTI_VALUED_FACETS) {
      const values = f[facet];
      if (facet === except || values.length === 0) continue;
      qb = qb.where('datasets.slug', 'in', db.selectFrom('dataset_values').select('dataset_values.slug')
        .where('dataset_values.facet', '=', facet).where('dataset_values.value', 'in', values));
    }
    for (const [facet, column] of Object.entries(COLUMN_FACETS) as [keyof typeof COLUMN_FACETS, 'data_type' | 'platform' | 'license_key'][]) {
      const values = f[facet];
      if (facet !== except && values.length > 0) qb = qb.where(`datasets.${column}`, 'in', values);
    }
    if (except !== 'labelled' && f.labelled !== undefined) qb = qb.where('datasets.labelled', '=', f.labelled ? 1 : 0);
    if (f.year_from !== undefined) qb = qb.where('datasets.year', '>=', f.year_from);
    if (f.year_to !== undefined) qb = qb.where('datasets.year', '<=', f.year_to);
    if (f.hide_unreachable) {
      qb = qb.where('datasets.slug', 'not in', db.selectFrom('upstream_state').select('upstream_state.slug')
        .where('upstream_state.consecutive_failures', '>=', FLAG_AFTER_FAILURES));
    }
    if (f.fts !== undefined) {
      qb = qb.where('datasets.slug', 'in', db.selectFrom('datasets_fts').select('datasets_fts.slug')
        .where(sql<boolean>`datasets_fts MATCH ${f.fts}`));
    }
    return qb;
  }

  return {
    async search(f: DatasetFilters, sort: SortKey, limit: number, offset: number): Promise<{ total: number; rows: SearchRow[] }> {
      const base = applyFilters(db.selectFrom('datasets'), f);
      const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      let qb = base.select('datasets.card');
      if (sort === 'relevance' && f.fts !== undefined) {
        qb = qb.innerJoin('datasets_fts', 'datasets_fts.slug', 'datasets.slug')
          .where(sql<boolean>`datasets_fts MATCH ${f.fts}`)
          .orderBy(RANK);
      } else if (sort === 'files') {
        qb = qb.orderBy(sql`datasets.file_count IS NULL`).orderBy('datasets.file_count', 'desc');
      } else if (sort === 'updated') {
        qb = qb.orderBy(sql`datasets.upstream_updated IS NULL`).orderBy('datasets.upstream_updated', 'desc');
      } else if (sort === 'year') {
        qb = qb.orderBy(sql`datasets.year IS NULL`).orderBy('datasets.year', 'desc');
      }
      const rows = await qb.orderBy(sql`datasets.name COLLATE NOCASE`).orderBy('datasets.slug')
        .limit(limit).offset(offset).execute();
      return { total: Number(total), rows };
    },

    /** Datasets per value of one facet, under all the other active filters. */
    async facetCounts(f: DatasetFilters, facet: FacetName): Promise<{ value: string; count: number }[]> {
      const filtered = applyFilters(db.selectFrom('datasets'), f, facet);
      let rows: { value: string | number | null; count: number | string | bigint }[];
      if ((MULTI_VALUED_FACETS as readonly string[]).includes(facet)) {
        rows = await db.selectFrom('dataset_values')
          .select(['dataset_values.value as value', (eb) => eb.fn.count<number>('dataset_values.slug').distinct().as('count')])
          .where('dataset_values.facet', '=', facet)
          .where('dataset_values.slug', 'in', filtered.select('datasets.slug'))
          .groupBy('dataset_values.value').execute();
      } else {
        const column = facet === 'labelled' ? 'labelled' : COLUMN_FACETS[facet as keyof typeof COLUMN_FACETS];
        rows = await filtered.select([`datasets.${column} as value`, (eb) => eb.fn.countAll<number>().as('count')])
          .where(`datasets.${column}`, 'is not', null)
          .groupBy(`datasets.${column}`).execute();
      }
      return rows.map((r) => ({
        value: facet === 'labelled' ? (Number(r.value) === 1 ? 'true' : 'false') : String(r.value),
        count: Number(r.count),
      }));
    },
  };
}
export type DatasetSearchRepo = ReturnType<typeof createDatasetSearchRepo>;
