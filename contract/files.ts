import { z } from 'zod';

const one = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), item);
const intParam = (min: number, max: number, dflt: number) =>
  one(z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(min).max(max).default(dflt));

export const FILE_KINDS = ['image', 'volume', 'series-slice', 'signal', 'audio', 'video', 'table', 'other'] as const;

// A relative POSIX path prefix inside a dataset: used only as a filter on the
// index, never to open a file, but refused anyway when it tries to climb.
const decodedOnce = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
// Also refused when a segment only becomes "..", "/" or "\" after one more
// decoding: double-encoded traversal must not look harmless to a later layer.
const badSegment = (s: string) => [s, decodedOnce(s)].some((v) => v === '..' || v === '.' || /[/\\\0]/.test(v) && v !== s);

export const PathPrefix = z.string().max(1024)
  .refine((p) => !p.split('/').some(badSegment), 'must not contain . or .. segments')
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.includes('\0'), 'must be a relative path with forward slashes')
  // Other spellings of traversal that some layer might still interpret: still-encoded bytes
  // (%2e, %u002e: the path was encoded twice), dot-only segments (...., ..;, fullwidth dots),
  // empty segments (a//b), drive letters (C:) and undecodable bytes.
  .refine((p) => !/%[0-9a-fA-F]{2}|%u[0-9a-fA-F]{4}|\uFFFD|\/\//.test(p)
    && !p.split('/').some((seg) => /^[.\uFF0E\u2024\uFE52]+(;.*)?$|^[A-Za-z]:/.test(seg)), 'must be a plain relative path (no encoded bytes, dot-only or empty segments)');

export const FileQuery = z.strictObject({
  path: one(PathPrefix.optional()),
  label: one(z.string().min(1).max(200).optional()),
  kind: one(z.enum(FILE_KINDS).optional()),
  format: one(z.string().regex(/^[a-z0-9-]+$/, 'must be a format id such as dicom, nifti or png').max(40).optional()),
  failed: one(z.enum(['true', 'false']).optional()).transform((v) => (v === undefined ? undefined : v === 'true')),
  page: intParam(1, 1_000_000, 1),
  per_page: intParam(1, 200, 50),
});
export type FileQuery = z.infer<typeof FileQuery>;

export const TreeQuery = z.strictObject({ path: one(PathPrefix.optional()) });
export const FileIdParams = z.strictObject({
  id: z.string().regex(/^[1-9]\d{0,15}$/, 'must be a positive integer').transform(Number),
});
export const JobIdParams = FileIdParams;

export const FileItem = z.object({
  id: z.number().int(),
  dataset: z.string(),
  path: z.string(),
  size: z.number().int(),
  sha256: z.string().nullable(),
  kind: z.enum(FILE_KINDS),
  format: z.string(),
  label: z.string().nullable(),
  split: z.string().nullable(),
  role: z.enum(['image', 'mask']).nullable(),
  pair_path: z.string().nullable(),
  error: z.string().nullable(),
  meta: z.record(z.string(), z.unknown()).nullable(),
  thumbnail_url: z.string().nullable(),
  /** The viewer the web app opens for this file (contract/viewers.ts). */
  viewer: z.enum(['image', 'volume', 'signal', 'audio', 'video', 'none']),
  /** Id of the paired mask (for an image) or image (for a mask), from pair_path; null when unpaired. */
  pair_id: z.number().int().nullable(),
});
export type FileItem = z.infer<typeof FileItem>;

export const FileList = z.object({ total: z.number().int(), page: z.number().int(), per_page: z.number().int(), items: z.array(FileItem) });
export type FileList = z.infer<typeof FileList>;

export const Tree = z.object({
  path: z.string(),
  folders: z.array(z.object({ name: z.string(), path: z.string(), files: z.number().int(), bytes: z.number().int() })),
  files: z.number().int(),
});
export type Tree = z.infer<typeof Tree>;

export const MirrorInfo = z.object({
  files: z.number().int(),
  bytes: z.number().int(),
  failed: z.number().int(),
  indexed_at: z.string().nullable(),
  summary: z.record(z.string(), z.unknown()).nullable(),
  failures: z.array(z.object({ path: z.string(), error: z.string() })),
});
export type MirrorInfo = z.infer<typeof MirrorInfo>;

export const Job = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.enum(['queued', 'running', 'success', 'skipped', 'failed']),
  attempts: z.number().int(),
  progress: z.object({ done: z.number().int(), total: z.number().int(), files_per_second: z.number().nullable(), eta_seconds: z.number().nullable() }),
  message: z.string().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const SeriesList = z.object({
  series: z.array(z.object({
    series_uid: z.string(),
    modality: z.string().nullable(),
    slices: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    /** File ids in slice order (by position along the slice normal). */
    file_ids: z.array(z.number().int()),
  })),
});
export type SeriesList = z.infer<typeof SeriesList>;
