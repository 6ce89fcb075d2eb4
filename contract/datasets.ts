import { z } from 'zod';
import { Card, Slug } from './card.js';
import { MirrorInfo } from './files.js';
import { LinkHealth } from './updates.js';
import { DataType, Modality, Organ, Platform, Task } from './vocab.js';

// Query strings arrive as a string, or an array when a parameter is repeated
// (?modality=CT&modality=MRI). Repeated means OR inside that facet.
const many = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(item).max(50));
const one = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), item);
const intParam = (min: number, max: number, dflt: number) =>
  one(z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(min).max(max).default(dflt));

export const SORTS = ['relevance', 'name', 'files', 'year', 'updated'] as const;

export const DatasetQuery = z.strictObject({
  q: one(z.string().max(200, 'must be at most 200 characters').optional()),
  modality: many(Modality),
  organ: many(Organ),
  task: many(Task),
  format: many(z.string().regex(/^[a-z0-9]+(?:\.[a-z0-9]+)*$/, 'must be a lower-case file extension').max(20)),
  data_type: many(DataType),
  labelled: one(z.enum(['true', 'false']).optional()).transform((v) => (v === undefined ? undefined : v === 'true')),
  platform: many(Platform),
  license: many(z.string().min(1).max(100)),
  year_from: one(z.coerce.number().int('must be an integer').min(1900).max(2100).optional()),
  year_to: one(z.coerce.number().int('must be an integer').min(1900).max(2100).optional()),
  sort: one(z.enum(SORTS).optional()),
  page: intParam(1, 1_000_000, 1),
  per_page: intParam(1, 100, 20),
  /** true leaves out datasets whose source was unreachable for several checks in a row. */
  hide_unreachable: one(z.enum(['true', 'false']).optional()).transform((v) => v === 'true'),
}).refine((q) => q.year_from === undefined || q.year_to === undefined || q.year_from <= q.year_to, {
  message: 'year_from must not be after year_to',
  path: ['year_from'],
});
export type DatasetQuery = z.infer<typeof DatasetQuery>;

export const FACETS = ['modality', 'organ', 'task', 'format', 'data_type', 'labelled', 'platform', 'license'] as const;
export type Facet = (typeof FACETS)[number];

export const DatasetSummary = z.object({
  slug: Slug,
  name: z.string(),
  description: z.string(),
  data_type: DataType,
  modalities: z.array(Modality),
  organs: z.array(Organ),
  tasks: z.array(Task),
  formats: z.array(z.string()),
  file_count: z.number().nullable(),
  file_count_unit: z.string().nullable(),
  labelled: z.boolean().nullable(),
  year: z.number().nullable(),
  upstream_updated: z.string().nullable(),
  platform: Platform,
  source_url: z.string(),
  license: z.string().nullable(),
  demo: z.boolean(),
  /** Files indexed on this server, or null when the dataset is not mirrored here. */
  mirror_files: z.number().int().nullable(),
  /** Upstream link health from the update checks (absent where the server has not computed it). */
  link_health: LinkHealth.optional(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const FacetCount = z.object({ value: z.string(), count: z.number().int() });
export const DatasetList = z.object({
  total: z.number().int(),
  page: z.number().int(),
  per_page: z.number().int(),
  items: z.array(DatasetSummary),
  facets: z.record(z.enum(FACETS), z.array(FacetCount)),
});
export type DatasetList = z.infer<typeof DatasetList>;

export const SlugParams = z.strictObject({ slug: Slug });
// `demo` is always present in a detail (false for real datasets): the pages label synthetic demo data by it.
export const DatasetDetail = z.intersection(Card, z.object({ mirror: MirrorInfo.nullable(), link_health: LinkHealth.optional(), demo: z.boolean() }));
export type DatasetDetail = z.infer<typeof DatasetDetail>;

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;
