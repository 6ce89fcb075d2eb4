import { AppError } from '../domain/errors.js';
import type { DownloadsService } from '../services/downloads.service.js';
import type { IngestPayload, IngestService } from '../services/ingest.service.js';
import type { JobsService } from '../services/jobs.service.js';
import type { UpdatesService } from '../services/updates.service.js';

export type JobName = 'ingest' | 'check-updates';
export type JobStatus = 'success' | 'skipped' | 'failed';
export interface JobContext {
  progress: (done: number, total: number, message: string) => Promise<void>;
  /** Aborted when the worker is asked to stop, so a long job can end early (between units of work). */
  signal: AbortSignal;
}
type Handler = (payload: unknown, ctx: JobContext) => Promise<{ status: JobStatus; message: string }>;

export const JOB_NAMES: JobName[] = ['ingest', 'check-updates'];

export function jobHandlers(services: { ingest: IngestService; updates: UpdatesService; downloads: Pick<DownloadsService, 'preparePack'> }): Record<JobName, Handler> {
  return {
    ingest: async (payload, ctx) => {
      let last = [0, 0];
      const message = await services.ingest.run(payload as IngestPayload, (done, total, m) => {
        last = [done, total];
        return ctx.progress(done, total, m);
      });
      // Then the archive's small files are packed, so that the first download of the new index
      // reads them as one file; the job's lease is renewed meanwhile.
      const packing = () => ctx.progress(last[0]!, last[1]!, 'packing the small files of the dataset\'s archive');
      await packing();
      const renew = setInterval(() => void packing().catch(() => {}), 10_000);
      try {
        return { status: 'success', message: `${message}; ${await services.downloads.preparePack((payload as IngestPayload).slug)}` };
      } finally {
        clearInterval(renew);
      }
    },
    'check-updates': async (payload, ctx) => {
      const { counts, interrupted } = await services.updates.checkAll({ slug: (payload as { slug?: string } | null)?.slug, progress: ctx.progress, signal: ctx.signal });
      const message = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
      return { status: 'success', message: interrupted ? `${message} (stopped early: the worker is shutting down)` : message };
    },
  };
}

export interface WorkerOptions {
  owner: string;
  leaseMs?: number;
  pollMs?: number;
  log?: (line: string) => void;
  /** Called on every turn of the loop before claiming (schedules that queue jobs when due). */
  tick?: () => Promise<void>;
}

/** The worker loop: claim a job, run its handler, record the outcome. Failures are recorded, never thrown. */
export function createWorker(jobs: JobsService, handlers: Record<JobName, Handler>, opts: WorkerOptions) {
  const missing = JOB_NAMES.filter((n) => typeof handlers[n] !== 'function');
  if (missing.length) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
  const leaseMs = opts.leaseMs ?? 60_000;
  const pollMs = opts.pollMs ?? 1_000;
  let stopping = false;
  let wake: (() => void) | undefined;
  const stopSignal = new AbortController();

  async function runOne(): Promise<boolean> {
    // Work someone asked for (ingestion) goes before the background update checks.
    const job = (await jobs.claim(opts.owner, leaseMs, JOB_NAMES.filter((n) => n !== 'check-updates')))
      ?? (await jobs.claim(opts.owner, leaseMs, ['check-updates']));
    if (!job) return false;
    const ctx: JobContext = { progress: (done, total, message) => jobs.progress(job.id, done, total, message, leaseMs), signal: stopSignal.signal };
    try {
      const out = await handlers[job.name as JobName](JSON.parse(job.payload), ctx);
      await jobs.finish(job.id, out.status, null, out.message);
      opts.log?.(`job ${job.id} (${job.name}) ${out.status}: ${out.message}`);
    } catch (err) {
      const message = err instanceof AppError ? err.message : `${(err as Error).message ?? String(err)}`;
      await jobs.finish(job.id, 'failed', message, null);
      opts.log?.(`job ${job.id} (${job.name}) failed: ${message}`);
    }
    return true;
  }

  return {
    runOne,
    /** Runs until stop(); sleeps pollMs when there is nothing to do. */
    async loop(): Promise<void> {
      while (!stopping) {
        await opts.tick?.().catch((err) => opts.log?.(`schedule error: ${(err as Error).message}`));
        const worked = await runOne().catch((err) => { opts.log?.(`worker error: ${(err as Error).message}`); return false; });
        if (!worked && !stopping) await new Promise<void>((r) => { wake = r; setTimeout(r, pollMs); });
      }
    },
    stop() {
      stopping = true;
      stopSignal.abort();
      wake?.();
    },
    poke() {
      wake?.();
    },
  };
}
export type JobWorker = ReturnType<typeof createWorker>;
