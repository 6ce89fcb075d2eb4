import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openUpstreamInstance, serveCatalogUpstream } from '../../test/fixtures/upstream/instance.js';
import { type FakeUpstream, startFakeUpstream } from '../../test/fixtures/upstream/server.js';
import { tempDir } from '../../test/helpers.js';
import { updateScheduleTick } from './update-schedule.js';
import { createWorker, jobHandlers } from './worker.js';

const DAY = 24 * 3_600_000;
let up: FakeUpstream;
beforeAll(async () => { up = await startFakeUpstream(); });
afterAll(async () => { await up.close(); });
beforeEach(() => { up.routes.clear(); serveCatalogUpstream(up, { zenodoVersion: 'v1', pageEtag: '"a"', deadStatus: 404 }); });

type Inst = Awaited<ReturnType<typeof openUpstreamInstance>>;
const jobRows = (inst: Inst) => inst.db.selectFrom('jobs').selectAll().where('name', '=', 'check-updates').orderBy('id').execute();
function worker(inst: Inst, owner: string, intervalMs = DAY) {
  const tick = updateScheduleTick(inst.services.updates, intervalMs, { minTickMs: 0 });
  const w = createWorker(inst.services.jobs, jobHandlers(inst.services), { owner, tick });
  // One turn of the loop, as loop() does it: tick, then work one job.
  return { tick, turn: async () => { await tick(); return w.runOne(); } };
}

describe('update-check schedule', () => {
  it('queues a check when due, not before the interval has passed', async () => {
    const tmp = tempDir();
    const clock = { now: new Date('2026-03-01T00:00:00Z') };
    const inst = await openUpstreamInstance(up, tmp.dir, clock);
    try {
      const w = worker(inst, 'host:1');
      expect(await w.turn()).toBe(true);
      expect((await jobRows(inst)).map((j) => j.status)).toEqual(['success']);
      expect((await jobRows(inst))[0]!.message).toBe('0 changed, 3 unchanged, 1 unreachable, 0 error, 0 skipped');
      expect(await w.turn()).toBe(false);
      clock.now = new Date(clock.now.getTime() + DAY - 1000);
      expect(await w.turn()).toBe(false);
      clock.now = new Date(clock.now.getTime() + 2000);
      expect(await w.turn()).toBe(true);
      expect(await jobRows(inst)).toHaveLength(2);
      // Interval 0 turns the schedule off.
      clock.now = new Date(clock.now.getTime() + 10 * DAY);
      expect(await worker(inst, 'host:1', 0).turn()).toBe(false);
    } finally {
      await inst.close();
      tmp.cleanup();
    }
  });

  it('never has two check jobs at once, and two workers never run the same one', async () => {
    const tmp = tempDir();
    const clock = { now: new Date('2026-03-01T00:00:00Z') };
    const inst = await openUpstreamInstance(up, tmp.dir, clock);
    try {
      expect(await inst.services.updates.enqueueIfDue(DAY)).toBeTypeOf('number');
      clock.now = new Date(clock.now.getTime() + 2 * DAY);
      // Due by time, but one is still queued: no second job.
      expect(await inst.services.updates.enqueueIfDue(DAY)).toBeUndefined();
      const a = createWorker(inst.services.jobs, jobHandlers(inst.services), { owner: 'host:a' });
      const b = createWorker(inst.services.jobs, jobHandlers(inst.services), { owner: 'host:b' });
      const ran = await Promise.all([a.runOne(), b.runOne()]);
      expect(ran.filter(Boolean)).toHaveLength(1);
      const checks = await inst.db.selectFrom('update_checks').select(['slug']).execute();
      expect(checks.map((c) => c.slug).sort()).toEqual(['up-dead', 'up-github', 'up-page', 'up-zenodo']);
    } finally {
      await inst.close();
      tmp.cleanup();
    }
  });

  it('lets queued ingestion go before a queued update check', async () => {
    const tmp = tempDir();
    const clock = { now: new Date('2026-03-01T00:00:00Z') };
    const inst = await openUpstreamInstance(up, tmp.dir, clock);
    try {
      const checkId = await inst.services.updates.enqueueIfDue(DAY);
      await inst.db.insertInto('jobs').values({ name: 'ingest', payload: '{}', status: 'queued', attempts: 0, progress_done: 0, progress_total: 0, message: null, error: null, created_at: clock.now.toISOString(), started_at: null, finished_at: null, lease_until: null, owner: null }).execute();
      const w = createWorker(inst.services.jobs, jobHandlers(inst.services), { owner: 'host:1' });
      await w.runOne();
      const rows = await inst.db.selectFrom('jobs').select(['id', 'name', 'status']).orderBy('id').execute();
      expect(rows.map((r) => [r.name, r.status])).toEqual([['check-updates', 'queued'], ['ingest', 'failed']]);
      expect(rows[0]!.id).toBe(checkId);
      await w.runOne();
      expect((await jobRows(inst))[0]!.status).toBe('success');
    } finally {
      await inst.close();
      tmp.cleanup();
    }
  });

  it('survives a restart: a new worker on the same database file keeps the schedule', async () => {
    const tmp = tempDir();
    const clock = { now: new Date('2026-03-01T00:00:00Z') };
    const first = await openUpstreamInstance(up, tmp.dir, clock);
    expect(await worker(first, 'host:1').turn()).toBe(true);
    await first.close();

    clock.now = new Date('2026-03-01T06:00:00Z');
    const second = await openUpstreamInstance(up, tmp.dir, clock);
    try {
      const w = worker(second, 'host:2');
      // Only 6 h since the last recorded run: nothing to do, although this process never ran one.
      expect(await w.turn()).toBe(false);
      clock.now = new Date('2026-03-02T00:00:01Z');
      expect(await w.turn()).toBe(true);
      const jobs = await jobRows(second);
      expect(jobs.map((j) => [j.status, j.owner])).toEqual([['success', 'host:1'], ['success', 'host:2']]);
      // The markers recorded before the restart were compared against, not recorded afresh.
      const page = await second.services.updates.forDataset('up-page');
      expect(page.checks.map((c) => c.reason)).toEqual([null, 'first check: marker recorded']);
    } finally {
      await second.close();
      tmp.cleanup();
    }
  });
});
