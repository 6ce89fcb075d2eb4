import { z } from 'zod';
import { Slug } from './card.js';

const one = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), item);
const intParam = (min: number, max: number, dflt: number) =>
  one(z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(min).max(max).default(dflt));

export const CHECK_STATUSES = ['unchanged', 'changed', 'unreachable', 'error'] as const;
export const CheckStatus = z.enum(CHECK_STATUSES);
export const UPDATE_EVENT_KINDS = ['changed', 'unreachable'] as const;

/** Whether the dataset's source answered lately; flagged after 3 unreachable checks in a row. */
export const LinkHealth = z.object({
  /** Last check that read the upstream successfully. */
  last_verified_at: z.string().nullable(),
  last_checked_at: z.string().nullable(),
  consecutive_failures: z.number().int(),
  flagged: z.boolean(),
});
export type LinkHealth = z.infer<typeof LinkHealth>;

export const UpdateDetails = z.object({
  old_version: z.string().nullable(),
  new_version: z.string().nullable(),
  old_size: z.number().nullable(),
  new_size: z.number().nullable(),
  added_files: z.array(z.string()),
  removed_files: z.array(z.string()),
  modified_files: z.array(z.string()),
  upstream_updated: z.string().nullable(),
  reason: z.string().nullable().optional(),
});
export type UpdateDetails = z.infer<typeof UpdateDetails>;

export const UpdateEvent = z.object({
  id: z.number().int(),
  slug: Slug,
  /** The dataset's name, or null when the card was removed since. */
  name: z.string().nullable(),
  detected_at: z.string(),
  kind: z.enum(UPDATE_EVENT_KINDS),
  summary: z.string(),
  details: UpdateDetails,
  old_marker: z.string().nullable(),
  new_marker: z.string().nullable(),
});
export type UpdateEvent = z.infer<typeof UpdateEvent>;

export const UpdatesQuery = z.strictObject({
  dataset: one(Slug.optional()),
  page: intParam(1, 1_000_000, 1),
  per_page: intParam(1, 100, 20),
});
export type UpdatesQuery = z.infer<typeof UpdatesQuery>;

export const UpdateList = z.object({
  total: z.number().int(),
  page: z.number().int(),
  per_page: z.number().int(),
  items: z.array(UpdateEvent),
});
export type UpdateList = z.infer<typeof UpdateList>;

export const UpdateCheckRecord = z.object({
  checked_at: z.string(),
  status: CheckStatus,
  reason: z.string().nullable(),
  marker: z.string().nullable(),
  duration_ms: z.number().int(),
  source: z.string(),
});

export const DatasetUpdates = z.object({
  slug: Slug,
  /** How the upstream is polled (adapter kind and what it looks at), or null when it is not. */
  source: z.object({ kind: z.string(), locator: z.string() }).nullable(),
  health: LinkHealth,
  /** The most recent checks, newest first (at most 50). */
  checks: z.array(UpdateCheckRecord),
  /** The most recent update events, newest first (at most 50). */
  events: z.array(UpdateEvent),
});
export type DatasetUpdates = z.infer<typeof DatasetUpdates>;
