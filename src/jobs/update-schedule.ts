import type { UpdatesService } from '../services/updates.service.js';

/**
 * The update-check schedule as a worker tick. The next due time is derived from the last
 * `check-updates` job recorded in the database (jobs.created_at), never from this process's
 * memory, so a restarted worker keeps the rhythm and two workers never both queue it.
 * `minTickMs` only spares the database a query on every idle poll.
 */
export function updateScheduleTick(updates: UpdatesService, intervalMs: number, opts: { log?: (line: string) => void; minTickMs?: number; now?: () => number } = {}) {
  const now = opts.now ?? (() => Date.now());
  let lastTick = -Infinity;
  return async (): Promise<void> => {
    if (intervalMs <= 0) return;
    if (now() - lastTick < (opts.minTickMs ?? 30_000)) return;
    lastTick = now();
    const id = await updates.enqueueIfDue(intervalMs);
    if (id !== undefined) opts.log?.(`queued upstream update check (job ${id})`);
  };
}
