import type { Generated } from 'kysely';

export interface DatasetsTable {
  slug: string;
  name: string;
  description: string;
  data_type: string;
  file_count: number | null;
  file_count_unit: string | null;
  subjects: number | null;
  labelled: number | null;
  year: number | null;
  upstream_updated: string | null;
  platform: string;
  source_url: string;
  license_key: string | null;
  demo: number;
  card: string;
  content_hash: string;
  synced_at: string;
}

/** Multi-valued facets (modality, organ, task, format), one row per value. */
export interface DatasetValuesTable {
  slug: string;
  facet: string;
  value: string;
}

export interface DatasetsFtsTable {
  rowid: Generated<number>;
  slug: string;
  name: string;
  aliases: string;
  description: string;
  citation: string;
}

export interface Database {
  datasets: DatasetsTable;
  dataset_values: DatasetValuesTable;
  datasets_fts: DatasetsFtsTable;
}
