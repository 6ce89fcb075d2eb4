import { z } from 'zod';
import { Slug } from './card.js';
import { PathPrefix } from './files.js';
import { DataType, Modality, Organ, Platform, Task } from './vocab.js';

const one = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), item);

/**
 * Subset of a mirrored dataset for archive.zip and manifest.tsv:
 * `path` is a folder or file-name prefix relative to the mirror root (a filter on the index, never opened),
 * `label` an exact label (class) as indexed.
 */
export const ArchiveQuery = z.strictObject({
  path: one(PathPrefix.optional()),
  label: one(z.string().min(1).max(200).optional()),
});
export type ArchiveQuery = z.infer<typeof ArchiveQuery>;

/** First line of every manifest.tsv (dataset and selection); then one line per file, ordered by slug then path (byte order). */
export const MANIFEST_HEADER = ['url', 'path', 'size', 'sha256'] as const;
/**
 * One manifest line: url = absolute URL of GET /api/v1/files/:id/raw, path = `<slug>/<path in the mirror>`,
 * size in bytes, sha256 lowercase hex.
 */
export const ManifestLine = z.object({
  url: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ManifestLine = z.infer<typeof ManifestLine>;

/** Same facets as GET /api/v1/datasets, as JSON (arrays for multi-valued facets); no paging. */
export const SelectionFilter = z.strictObject({
  q: z.string().max(200).optional(),
  modality: z.array(Modality).max(50).optional(),
  organ: z.array(Organ).max(50).optional(),
  task: z.array(Task).max(50).optional(),
  format: z.array(z.string().regex(/^[a-z0-9]+(?:\.[a-z0-9]+)*$/, 'must be a lower-case file extension').max(20)).max(50).optional(),
  data_type: z.array(DataType).max(50).optional(),
  labelled: z.boolean().optional(),
  platform: z.array(Platform).max(50).optional(),
  license: z.array(z.string().min(1).max(100)).max(50).optional(),
  year_from: z.number().int().min(1900).max(2100).optional(),
  year_to: z.number().int().min(1900).max(2100).optional(),
});
export type SelectionFilter = z.infer<typeof SelectionFilter>;

export const MAX_SELECTION_DATASETS = 1000;

/** POST /api/v1/selections body: slugs and/or a catalog filter (union of both). */
export const SelectionRequest = z.strictObject({
  datasets: z.array(Slug).max(MAX_SELECTION_DATASETS).optional(),
  filter: SelectionFilter.optional(),
}).refine((r) => (r.datasets?.length ?? 0) > 0 || r.filter !== undefined, {
  message: 'give at least one dataset slug in "datasets" or a catalog "filter"',
  path: ['datasets'],
});
export type SelectionRequest = z.infer<typeof SelectionRequest>;

/** Content-derived: the same selection gets the same id. */
export const SelectionIdParams = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a selection id (24 lowercase hex digits)'),
});

export const SelectionDataset = z.object({
  slug: Slug,
  name: z.string(),
  /** True when this server holds the files (they are in archive.zip, manifest.tsv, aria2.txt, download.sh). */
  mirrored: z.boolean(),
  files: z.number().int().nullable(),
  bytes: z.number().int().nullable(),
  source_url: z.string().nullable(),
  /** The platform's usual download command (Kaggle CLI, PhysioNet wget...), when there is one. */
  source_command: z.string().nullable(),
});
export type SelectionDataset = z.infer<typeof SelectionDataset>;

export const Selection = z.object({
  id: z.string(),
  created_at: z.string(),
  request: SelectionRequest,
  /** Ordered by slug. */
  datasets: z.array(SelectionDataset),
  /** Relative URLs (under the same server). */
  urls: z.object({
    archive: z.string(),
    manifest: z.string(),
    aria2: z.string(),
    script: z.string(),
    citations: z.string(),
  }),
});
export type Selection = z.infer<typeof Selection>;
