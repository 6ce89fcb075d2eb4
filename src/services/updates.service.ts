import type { Card, DatasetUpdates, LinkHealth, UpdateDetails, UpdateEvent, UpdateList, UpdatesQuery } from '../../contract/index.js';
import { renderAtomFeed } from '../domain/atom-feed.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { FLAG_AFTER_FAILURES, summarizeChange, type UpstreamSnapshot } from '../domain/update-diff.js';
import { describeSource, resolveUpdateSource } from '../domain/update-source.js';
import type { JobsRepo } from '../repos/jobs.repo.js';
import type { EventRow, StateRow, UpdatesRepo } from '../repos/updates.repo.js';
import type { AdapterContext } from '../repos/upstream/types.js';
import type { CheckStatus, UpstreamRepo } from '../repos/upstream/index.js';

export const CHECK_UPDATES_JOB = 'check-updates';

export interface CheckOutcome {
  slug: string;
  /** `skipped`: another worker is checking this dataset right now. */
  status: CheckStatus | 'skipped';
  reason: string | null;
  marker: string | null;
  source: string;
  duration_ms: number;
  event_id: number | null;
  flagged: boolean;
}

export interface UpdatesDeps {
  updates: UpdatesRepo;
  upstream: UpstreamRepo;
  jobs: JobsRepo;
  /** Every card of the catalog (the database copy). */
  cards: () => Promise<Card[]>;
  /** Identifies this process in check leases. */
  owner: string;
  now?: () => Date;
  /** Datasets checked at once (the HTTP client also bounds requests and spaces them per host). */
  concurrency?: number;
  /** A check holding its lease longer than this is assumed dead. */
  leaseMs?: number;
}

const EMPTY_DETAILS: UpdateDetails = {
  old_version: null, new_version: null, old_size: null, new_size: null, added_files: [], removed_files: [], modified_files: [], upstream_updated: null,
};

function health(s: StateRow | undefined): LinkHealth {
  const failures = s?.consecutive_failures ?? 0;
  return { last_verified_at: s?.last_ok_at ?? null, last_checked_at: s?.last_checked_at ?? null, consecutive_failures: failures, flagged: failures >= FLAG_AFTER_FAILURES };
}

export function createUpdatesService(deps: UpdatesDeps) {
  const now = () => deps.now?.() ?? new Date();
  const leaseMs = deps.leaseMs ?? 10 * 60_000;

  async function cardMap(): Promise<Map<string, Card>> {
    return new Map((await deps.cards()).map((c) => [c.slug, c]));
  }

  function toEvent(row: EventRow, names: Map<string, Card>): UpdateEvent {
    let details: UpdateDetails = EMPTY_DETAILS;
    try {
      details = { ...EMPTY_DETAILS, ...(JSON.parse(row.details) as Partial<UpdateDetails>) };
    } catch { /* a row written by hand: keep the summary */ }
    return {
      id: row.id, slug: row.slug, name: names.get(row.slug)?.name ?? null, detected_at: row.detected_at,
      kind: row.kind === 'unreachable' ? 'unreachable' : 'changed', summary: row.summary, details, old_marker: row.old_marker, new_marker: row.new_marker,
    };
  }

  /** Checks one dataset and records the outcome; upstream trouble is recorded, never thrown. */
  async function checkCard(card: Card, ctx: AdapterContext): Promise<CheckOutcome> {
    const source = resolveUpdateSource(card);
    const locator = source ? `${source.kind}: ${describeSource(source)}` : 'none';
    const base = { slug: card.slug, source: locator, event_id: null, flagged: false };
    if (!source) return { ...base, status: 'skipped', reason: 'update_check.method is none', marker: null, duration_ms: 0 };
    if (!(await deps.updates.claim(card.slug, deps.owner, now(), leaseMs))) {
      return { ...base, status: 'skipped', reason: 'another check of this dataset is running', marker: null, duration_ms: 0 };
    }
    try {
      const state = await deps.updates.state(card.slug);
      let snapshot: UpstreamSnapshot | null = null;
      try {
        snapshot = state?.snapshot ? (JSON.parse(state.snapshot) as UpstreamSnapshot) : null;
      } catch { /* unreadable snapshot: compare markers only */ }
      const previous = state?.marker ? { marker: state.marker, snapshot } : null;
      const started = performance.now();
      const result = await deps.upstream.check(source, previous, ctx);
      const duration = Math.round(performance.now() - started);
      const at = now().toISOString();
      const ok = result.status === 'changed' || result.status === 'unchanged';
      const failures = result.status === 'unreachable' ? (state?.consecutive_failures ?? 0) + 1 : ok ? 0 : (state?.consecutive_failures ?? 0);
      const reason = result.reason ?? (ok && !previous ? 'first check: marker recorded' : null);
      let event: Parameters<UpdatesRepo['record']>[0]['event'];
      if (result.status === 'changed' && result.details) {
        event = { slug: card.slug, detected_at: at, kind: 'changed', summary: summarizeChange(result.details), details: JSON.stringify(result.details), old_marker: previous?.marker ?? null, new_marker: result.marker };
      } else if (result.status === 'unreachable' && failures === FLAG_AFTER_FAILURES) {
        // Said once, when the flag goes up; the feed is not repeated on every later failure.
        event = {
          slug: card.slug, detected_at: at, kind: 'unreachable', summary: `Source unreachable for ${failures} checks in a row: ${result.reason ?? 'no answer'}`,
          details: JSON.stringify({ ...EMPTY_DETAILS, reason: result.reason ?? null }), old_marker: previous?.marker ?? null, new_marker: null,
        };
      }
      const eventId = await deps.updates.record({
        check: { slug: card.slug, checked_at: at, status: result.status, reason, marker: result.marker, duration_ms: duration, source: locator },
        state: {
          consecutive_failures: failures,
          ...(ok ? { marker: result.marker!, snapshot: JSON.stringify(result.snapshot), last_ok_at: at } : {}),
        },
        event,
      });
      return { ...base, status: result.status, reason, marker: result.marker, duration_ms: duration, event_id: eventId ?? null, flagged: failures >= FLAG_AFTER_FAILURES };
    } finally {
      await deps.updates.release(card.slug, deps.owner);
    }
  }

  async function checkAll(opts: { slug?: string; onResult?: (o: CheckOutcome) => void; progress?: (done: number, total: number, message: string) => Promise<void>; signal?: AbortSignal } = {}) {
    const all = await deps.cards();
    let cards = all;
    if (opts.slug !== undefined) {
      cards = all.filter((c) => c.slug === opts.slug);
      if (!cards.length) throw new NotFoundError(`No dataset with slug "${opts.slug}"`);
      if (!resolveUpdateSource(cards[0]!)) throw new InvalidInputError(`Dataset "${opts.slug}" opts out of update checks (update_check.method: none)`);
    } else {
      cards = all.filter((c) => resolveUpdateSource(c) !== null);
    }
    const ctx = deps.upstream.newRun();
    const results: CheckOutcome[] = [];
    let next = 0;
    const worker = async () => {
      // On shutdown no new dataset is started; checks in flight end within their own timeouts.
      while (next < cards.length && !opts.signal?.aborted) {
        const card = cards[next++]!;
        let outcome: CheckOutcome;
        try {
          outcome = await checkCard(card, ctx);
        } catch (err) {
          // A failure of our own (database, bug) for one dataset never stops the others.
          outcome = { slug: card.slug, status: 'error', reason: `check failed: ${(err as Error).message ?? String(err)}`, marker: null, source: '', duration_ms: 0, event_id: null, flagged: false };
        }
        results.push(outcome);
        opts.onResult?.(outcome);
        await opts.progress?.(results.length, cards.length, `${outcome.slug}: ${outcome.status}`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 4, cards.length)) }, worker));
    const counts = { changed: 0, unchanged: 0, unreachable: 0, error: 0, skipped: 0 };
    for (const r of results) counts[r.status]++;
    return { results, counts, interrupted: results.length < cards.length };
  }

  return {
    checkAll,

    /** Queues the scheduled check when the last one was queued at least `intervalMs` ago (state in the jobs table). */
    enqueueIfDue: (intervalMs: number) => deps.jobs.enqueueIfDue(CHECK_UPDATES_JOB, {}, now(), intervalMs),

    async linkHealthAll(): Promise<Map<string, LinkHealth>> {
      return new Map((await deps.updates.allStates()).map((s) => [s.slug, health(s)]));
    },

    async linkHealth(slug: string): Promise<LinkHealth> {
      return health(await deps.updates.state(slug));
    },

    async list(q: UpdatesQuery): Promise<UpdateList> {
      const names = await cardMap();
      const { total, rows } = await deps.updates.events({ slug: q.dataset, limit: q.per_page, offset: (q.page - 1) * q.per_page });
      return { total, page: q.page, per_page: q.per_page, items: rows.map((r) => toEvent(r, names)) };
    },

    async forDataset(slug: string): Promise<DatasetUpdates> {
      const names = await cardMap();
      const card = names.get(slug);
      const [state, checks, events] = await Promise.all([deps.updates.state(slug), deps.updates.checks(slug, 50), deps.updates.events({ slug, limit: 50, offset: 0 })]);
      if (!card && !checks.length) throw new NotFoundError(`No dataset with slug "${slug}"`);
      const source = card ? resolveUpdateSource(card) : null;
      return {
        slug,
        source: source ? { kind: source.kind, locator: describeSource(source) } : null,
        health: health(state),
        checks: checks.map((c) => ({ checked_at: c.checked_at, status: c.status as CheckStatus, reason: c.reason, marker: c.marker, duration_ms: c.duration_ms, source: c.source })),
        events: events.rows.map((r) => toEvent(r, names)),
      };
    },

    /** Atom feed of all updates, or of one dataset's. */
    async feed(opts: { slug?: string; siteUrl: string; selfUrl: string; authority: string }): Promise<string> {
      const names = await cardMap();
      const card = opts.slug ? names.get(opts.slug) : undefined;
      if (opts.slug && !card) throw new NotFoundError(`No dataset with slug "${opts.slug}"`);
      const { rows } = await deps.updates.events({ slug: opts.slug, limit: 50, offset: 0 });
      return renderAtomFeed({
        selfUrl: opts.selfUrl, siteUrl: opts.siteUrl, authority: opts.authority, slug: opts.slug,
        title: card ? `MedImg: updates of ${card.name}` : 'MedImg: upstream updates of public medical image datasets',
        entries: rows.map((r) => toEvent(r, names)),
        emptyUpdated: (await deps.updates.lastCheckedAt()) ?? now().toISOString(),
      });
    },
  };
}
export type UpdatesService = ReturnType<typeof createUpdatesService>;
