import { NotFoundError } from '../domain/errors.js';
import type { JobRow, JobsRepo } from '../repos/jobs.repo.js';

export interface JobView {
  id: number;
  name: string;
  status: string;
  attempts: number;
  progress: { done: number; total: number; files_per_second: number | null; eta_seconds: number | null };
  message: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Rate and ETA from the job's own start time and progress: the same figures the CLI bar shows. */
export function viewJob(job: JobRow, now: Date): JobView {
  const end = job.finished_at ? new Date(job.finished_at) : now;
  const elapsed = job.started_at ? (end.getTime() - new Date(job.started_at).getTime()) / 1000 : 0;
  const rate = elapsed > 0 && job.progress_done > 0 ? job.progress_done / elapsed : null;
  const left = job.progress_total - job.progress_done;
  return {
    id: job.id, name: job.name, status: job.status, attempts: job.attempts,
    progress: {
      done: job.progress_done, total: job.progress_total,
      files_per_second: rate === null ? null : Math.round(rate * 10) / 10,
      eta_seconds: rate && job.status === 'running' ? Math.ceil(left / rate) : null,
    },
    message: job.message, error: job.error, created_at: job.created_at, started_at: job.started_at, finished_at: job.finished_at,
  };
}

export function createJobsService(deps: { jobs: JobsRepo; now?: () => Date }) {
  const now = () => deps.now?.() ?? new Date();
  return {
    claim: (owner: string, leaseMs: number, names: string[]) => deps.jobs.claim(now(), leaseMs, owner, names),
    progress: (id: number, done: number, total: number, message: string | null, leaseMs: number) =>
      deps.jobs.progress(id, done, total, message, new Date(now().getTime() + leaseMs)),
    finish: (id: number, status: 'success' | 'skipped' | 'failed', error: string | null, message: string | null) =>
      deps.jobs.finish(id, status, error, message, now()),
    async get(id: number): Promise<JobView> {
      const job = await deps.jobs.get(id);
      if (!job) throw new NotFoundError(`No job ${id}`);
      return viewJob(job, now());
    },
  };
}
export type JobsService = ReturnType<typeof createJobsService>;
