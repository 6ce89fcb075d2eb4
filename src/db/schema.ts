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
  /** CRC-32 of the whole file, 8 lowercase hex digits; NULL for rows indexed before migration 0005. */
  crc32: string | null;
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

/** Saved download requests (0006): id derived from the normalised request JSON. */
export interface SelectionsTable {
  id: string;
  request: string;
  created_at: string;
}

/** Upstream update checks (0007). */
export interface UpdateChecksTable {
  id: Generated<number>;
  slug: string;
  checked_at: string;
  status: string;
  reason: string | null;
  marker: string | null;
  duration_ms: number;
  source: string;
}

export interface UpdateEventsTable {
  id: Generated<number>;
  slug: string;
  detected_at: string;
  kind: string;
  summary: string;
  details: string;
  old_marker: string | null;
  new_marker: string | null;
}

export interface UpstreamStateTable {
  slug: string;
  marker: string | null;
  snapshot: string | null;
  last_checked_at: string | null;
  last_ok_at: string | null;
  consecutive_failures: Generated<number>;
  lease_owner: string | null;
  lease_until: string | null;
}

/** A recorded version of a mirror's index (0008), with the counts of its diff against the previous one. */
export interface MirrorVersionsTable {
  slug: string;
  version: number;
  created_at: string;
  files: number;
  bytes: number;
  added: number;
  removed: number;
  modified: number;
  added_bytes: number;
  removed_bytes: number;
  modified_bytes: number;
  modified_old_bytes: number;
}

/** One path's content over a range of versions (0008): to_version NULL while the latest version still has it. */
export interface MirrorVersionFilesTable {
  slug: string;
  path: string;
  size: number;
  sha256: string;
  from_version: number;
  to_version: number | null;
}

/** Moved by triggers whenever a dataset's files rows change (migration 0009). */
export interface FileRevisionsTable {
  slug: string;
  rev: number;
}

export interface Database {
  file_revisions: FileRevisionsTable;
  mirror_versions: MirrorVersionsTable;
  mirror_version_files: MirrorVersionFilesTable;
  update_checks: UpdateChecksTable;
  update_events: UpdateEventsTable;
  upstream_state: UpstreamStateTable;
  selections: SelectionsTable;
  mirrors: MirrorsTable;
  files: FilesTable;
  jobs: JobsTable;
  datasets: DatasetsTable;
  dataset_values: DatasetValuesTable;
  datasets_fts: DatasetsFtsTable;
}
