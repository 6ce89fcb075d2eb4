import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { UpdateChecksTable, UpdateEventsTable, UpstreamStateTable } from '../db/schema.js';

export type CheckRow = Omit<UpdateChecksTable, 'id'> & { id: number };
export type EventRow = Omit<UpdateEventsTable, 'id'> & { id: number };
export type StateRow = Omit<UpstreamStateTable, 'consecutive_failures'> & { consecutive_failures: number };

export interface CheckRecord {
  check: Omit<CheckRow, 'id'>;
  /** New state columns (marker and snapshot only when the upstream was read). */
  state: { marker?: string; snapshot?: string; last_ok_at?: string; consecutive_failures: number };
  event?: Omit<EventRow, 'id'>;
}

/** Tables of migration 0007: check history, update events, per-dataset upstream state. */
export function createUpdatesRepo(db: Db) {
  return {
    /**
     * Takes the dataset's check lease in one statement: false when another worker holds an
     * unexpired lease, so two checks of one dataset never run at once.
     */
    async claim(slug: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
      const nowIso = now.toISOString();
      await db.insertInto('upstream_state').values({ slug, marker: null, snapshot: null, last_checked_at: null, last_ok_at: null, lease_owner: null, lease_until: null })
        .onConflict((oc) => oc.column('slug').doNothing()).execute();
      const row = await db.updateTable('upstream_state')
        .set({ lease_owner: owner, lease_until: new Date(now.getTime() + leaseMs).toISOString() })
        .where('slug', '=', slug)
        .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', nowIso)]))
        .returning('slug').executeTakeFirst();
      return row !== undefined;
    },

    async release(slug: string, owner: string): Promise<void> {
      await db.updateTable('upstream_state').set({ lease_owner: null, lease_until: null })
        .where('slug', '=', slug).where('lease_owner', '=', owner).execute();
    },

    async state(slug: string): Promise<StateRow | undefined> {
      return db.selectFrom('upstream_state').selectAll().where('slug', '=', slug).executeTakeFirst() as Promise<StateRow | undefined>;
    },

    async allStates(): Promise<StateRow[]> {
      return db.selectFrom('upstream_state').selectAll().execute() as Promise<StateRow[]>;
    },

    /** Writes a check, its state change and its event (if any) atomically. Returns the event id. */
    async record(rec: CheckRecord): Promise<number | undefined> {
      return db.transaction().execute(async (trx) => {
        await trx.insertInto('update_checks').values(rec.check).execute();
        await trx.updateTable('upstream_state').set({ ...rec.state, last_checked_at: rec.check.checked_at }).where('slug', '=', rec.check.slug).execute();
        if (!rec.event) return undefined;
        const row = await trx.insertInto('update_events').values(rec.event).returning('id').executeTakeFirstOrThrow();
        return row.id;
      });
    },

    async events(opts: { slug?: string; limit: number; offset: number }): Promise<{ total: number; rows: EventRow[] }> {
      let qb = db.selectFrom('update_events');
      if (opts.slug) qb = qb.where('slug', '=', opts.slug);
      const { total } = await qb.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      const rows = await qb.selectAll().orderBy('detected_at', 'desc').orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute();
      return { total: Number(total), rows: rows as EventRow[] };
    },

    async checks(slug: string, limit: number): Promise<CheckRow[]> {
      return db.selectFrom('update_checks').selectAll().where('slug', '=', slug)
        .orderBy('checked_at', 'desc').orderBy('id', 'desc').limit(limit).execute() as Promise<CheckRow[]>;
    },

    /** Time of the most recent check of any dataset (the schedule derives its next run from the jobs table, this is for display). */
    async lastCheckedAt(): Promise<string | null> {
      const row = await db.selectFrom('update_checks').select(sql<string | null>`MAX(checked_at)`.as('t')).executeTakeFirst();
      return row?.t ?? null;
    },
  };
}
export type UpdatesRepo = ReturnType<typeof createUpdatesRepo>;
