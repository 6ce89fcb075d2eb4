import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';

export type JobRow = Omit<JobsTable, 'id'> & { id: number };

export function createJobsRepo(db: Db) {
  return {
    async enqueue(name: string, payload: unknown, now: Date): Promise<number> {
      const row = await db.insertInto('jobs').values({
        name, payload: JSON.stringify(payload), status: 'queued', attempts: 0, progress_done: 0, progress_total: 0,
        message: null, error: null, created_at: now.toISOString(), started_at: null, finished_at: null, lease_until: null, owner: null,
      }).returning('id').executeTakeFirstOrThrow();
      return row.id;
    },

    /**
     * Takes the oldest queued job, or a running one whose lease ran out (its worker
     * died), in one statement so two workers never take the same job.
     */
    async claim(now: Date, leaseMs: number, owner: string, names: string[]): Promise<JobRow | undefined> {
      const nowIso = now.toISOString();
      return db.updateTable('jobs')
        .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1), owner, started_at: sql`COALESCE(started_at, ${nowIso})`, lease_until: new Date(now.getTime() + leaseMs).toISOString() }))
        .where('id', '=', (eb) => eb.selectFrom('jobs').select('id')
          .where('name', 'in', names)
          .where((w) => w.or([w('status', '=', 'queued'), w.and([w('status', '=', 'running'), w('lease_until', '<', nowIso)])]))
          .orderBy('id').limit(1))
        .returningAll()
        .executeTakeFirst() as Promise<JobRow | undefined>;
    },

    async progress(id: number, done: number, total: number, message: string | null, leaseUntil: Date): Promise<void> {
      await db.updateTable('jobs').set({ progress_done: done, progress_total: total, message, lease_until: leaseUntil.toISOString() }).where('id', '=', id).execute();
    },

    async finish(id: number, status: 'success' | 'skipped' | 'failed', error: string | null, message: string | null, now: Date): Promise<void> {
      await db.updateTable('jobs').set({ status, error, message, finished_at: now.toISOString(), lease_until: null }).where('id', '=', id).execute();
    },

    async get(id: number): Promise<JobRow | undefined> {
      return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst() as Promise<JobRow | undefined>;
    },

    /**
     * Queues a job of this name unless one is queued or running, or one was created less than
     * `intervalMs` ago: the schedule lives in the table, so a restarted process keeps it. One
     * statement, so two processes never both queue it.
     */
    async enqueueIfDue(name: string, payload: unknown, now: Date, intervalMs: number): Promise<number | undefined> {
      const since = new Date(now.getTime() - intervalMs).toISOString();
      const row = await sql<{ id: number }>`INSERT INTO jobs (name, payload, status, attempts, progress_done, progress_total, created_at)
        SELECT ${name}, ${JSON.stringify(payload)}, 'queued', 0, 0, 0, ${now.toISOString()}
        WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE name = ${name} AND (status IN ('queued', 'running') OR created_at > ${since}))
        RETURNING id`.execute(db);
      return row.rows[0]?.id;
    },

    /** When a job of this name was last queued (the schedule's last run). */
    async lastCreated(name: string): Promise<string | null> {
      const row = await db.selectFrom('jobs').select(sql<string | null>`MAX(created_at)`.as('t')).where('name', '=', name).executeTakeFirst();
      return row?.t ?? null;
    },

    /** Unfinished jobs of one name whose payload names this dataset. */
    async unfinishedFor(name: string, slug: string): Promise<JobRow[]> {
      return db.selectFrom('jobs').selectAll().where('name', '=', name).where('status', 'in', ['queued', 'running'])
        .where(sql<boolean>`json_extract(payload, '$.slug') = ${slug}`).orderBy('id').execute() as Promise<JobRow[]>;
    },
  };
}
export type JobsRepo = ReturnType<typeof createJobsRepo>;
