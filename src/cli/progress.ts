import type { JobView } from '../services/jobs.service.js';

export const fmtTime = (s: number | null) => (s === null ? '--' : s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`);

/** One line: bar, files done/total, files/s, ETA. */
export function progressLine(job: JobView, width = 28): string {
  const { done, total, files_per_second: rate, eta_seconds: eta } = job.progress;
  const frac = total > 0 ? Math.min(1, done / total) : job.status === 'success' ? 1 : 0;
  const filled = Math.round(frac * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  return `[${bar}] ${done}/${total} files  ${rate === null ? '--' : rate.toFixed(1)} files/s  ETA ${fmtTime(eta)}`;
}

/** Redraws in place on a terminal; elsewhere (logs, CI) prints a line every few seconds. */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  return {
    update(job: JobView) {
      const line = progressLine(job);
      if (stream.isTTY) stream.write(`\r${line}\x1b[K`);
      else if (Date.now() - last > 2000) {
        stream.write(`${line}\n`);
        last = Date.now();
      }
    },
    done(job: JobView) {
      stream.write(`${stream.isTTY ? '\r' : ''}${progressLine(job)}\x1b[K\n`);
    },
  };
}
