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

export interface MirrorsTable {
  slug: string;
  root: string;
  labels: string | null;
  files: number;
  bytes: number;
  failed: number;
  summary: string | null;
  indexed_at: string | null;
}

export interface FilesTable {
  id: Generated<number>;
  slug: string;
  path: string;
  size: number;
  mtime_ms: number;
  sha256: string | null;
  kind: string;
  format: string;
  meta: string | null;
  error: string | null;
  label: string | null;
  split: string | null;
  series_uid: string | null;
  role: string | null;
  pair_path: string | null;
  thumb: string | null;
  thumb_error: string | null;
}

export interface JobsTable {
  id: Generated<number>;
  name: string;
  payload: string;
  status: string;
  attempts: number;
  progress_done: number;
  progress_total: number;
  message: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  lease_until: string | null;
  owner: string | null;
}

export interface Database {
  mirrors: MirrorsTable;
  files: FilesTable;
  jobs: JobsTable;
  datasets: DatasetsTable;
  dataset_values: DatasetValuesTable;
  datasets_fts: DatasetsFtsTable;
}
