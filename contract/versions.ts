import { z } from 'zod';
import { Slug } from './card.js';

const one = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), item);
const intParam = (min: number, max: number, dflt: number) =>
  one(z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(min).max(max).default(dflt));

export const VERSION_CHANGES = ['added', 'removed', 'modified'] as const;

export const VersionParams = z.strictObject({
  slug: Slug,
  n: z.string().regex(/^[1-9]\d{0,8}$/, 'must be a version number (1, 2, ...)').transform(Number),
});

export const VersionListQuery = z.strictObject({
  page: intParam(1, 1_000_000, 1),
  per_page: intParam(1, 100, 20),
});
export type VersionListQuery = z.infer<typeof VersionListQuery>;

export const VersionDiffQuery = z.strictObject({
  change: one(z.enum(VERSION_CHANGES).optional()),
  page: intParam(1, 1_000_000, 1),
  per_page: intParam(1, 200, 50),
});
export type VersionDiffQuery = z.infer<typeof VersionDiffQuery>;

/** One recorded version of a mirror's index, with its diff against the version before. */
export const VersionSummary = z.object({
  version: z.number().int(),
  created_at: z.string(),
  /** Files and bytes in this version's manifest (files whose content could be hashed). */
  files: z.number().int(),
  bytes: z.number().int(),
  added: z.object({ files: z.number().int(), bytes: z.number().int() }),
  removed: z.object({ files: z.number().int(), bytes: z.number().int() }),
  /** bytes: sizes after the change; old_bytes: before. */
  modified: z.object({ files: z.number().int(), bytes: z.number().int(), old_bytes: z.number().int() }),
  manifest_url: z.string(),
});
export type VersionSummary = z.infer<typeof VersionSummary>;

export const VersionList = z.object({
  dataset: z.string(),
  total: z.number().int(),
  page: z.number().int(),
  per_page: z.number().int(),
  items: z.array(VersionSummary),
});
export type VersionList = z.infer<typeof VersionList>;

export const VersionChange = z.object({
  path: z.string(),
  change: z.enum(VERSION_CHANGES),
  /** Before the change (null when added) and after it (null when removed). */
  old_size: z.number().int().nullable(),
  size: z.number().int().nullable(),
  old_sha256: z.string().nullable(),
  sha256: z.string().nullable(),
});
export type VersionChange = z.infer<typeof VersionChange>;

export const VersionDetail = z.object({
  dataset: z.string(),
  version: VersionSummary,
  diff: z.object({
    change: z.enum(VERSION_CHANGES).nullable(),
    total: z.number().int(),
    page: z.number().int(),
    per_page: z.number().int(),
    items: z.array(VersionChange),
  }),
});
export type VersionDetail = z.infer<typeof VersionDetail>;

/** First line of a version's manifest.tsv; then one line per file, ordered by path (byte order). */
export const VERSION_MANIFEST_HEADER = ['path', 'size', 'sha256'] as const;
