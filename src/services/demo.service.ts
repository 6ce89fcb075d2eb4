// The synthetic demo mirror on start-up: generate the files when they are missing or were made by another
// generator version, then queue an ingestion job per demo dataset whose index is not up to date with them.
// Idempotent (a second start finds everything in place and queues nothing) and safe to kill at any point:
// the files are swapped in whole with their VERSION.json last, and a dataset counts as mirrored only when
// its index was completed after that build (mirror.indexed_at >= built_at).
import { join } from 'node:path';
import { DEMO_DATASETS, DEMO_GENERATOR_VERSION } from '../domain/demo.js';
import type { DemoBuildResult } from '../repos/demo/demo-mirror.repo.js';

export type DemoStatus = 'off' | 'building' | 'ready' | 'failed';

export interface DemoDeps {
  enabled: boolean;
  /** $MEDIMG_DATA_DIR/demo */
  demoDir: string;
  mirror: {
    version: (demoDir: string) => Promise<{ version: number; builtAt: string } | null>;
    build: (demoDir: string, builtAt: string) => Promise<DemoBuildResult>;
  };
  /** IngestService.request */
  requestIngest: (slug: string, folder: string, labels?: string) => Promise<number>;
  /** Status of a job ('queued', 'running', 'success', 'failed', ...). */
  jobStatus: (id: number) => Promise<string>;
  mirrorOf: (slug: string) => Promise<{ root: string; indexed_at: string | null } | undefined>;
  realFolder: (path: string) => Promise<string | null>;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface DemoOutcome {
  generated: DemoBuildResult | null;
  /** Slugs whose ingestion was queued. */
  queued: string[];
  ms: number;
}

export function createDemoService(deps: DemoDeps) {
  const now = () => deps.now?.() ?? new Date();
  let phase: 'idle' | 'preparing' | 'queued' | 'failed' = 'idle';
  let jobIds: number[] = [];

  return {
    /**
     * Brings the demo mirror up to date: files, then ingestion jobs (worked by the job worker).
     * Does nothing when the demo is off.
     */
    async ensure(opts: { log?: (line: string) => void } = {}): Promise<DemoOutcome> {
      const log = (line: string) => (opts.log ?? deps.log)?.(line);
      const t0 = performance.now();
      if (!deps.enabled) return { generated: null, queued: [], ms: 0 };
      phase = 'preparing';
      try {
        let built = await deps.mirror.version(deps.demoDir);
        let generated: DemoBuildResult | null = null;
        if (built?.version !== DEMO_GENERATOR_VERSION) {
          const builtAt = now().toISOString();
          generated = await deps.mirror.build(deps.demoDir, builtAt);
          built = { version: DEMO_GENERATOR_VERSION, builtAt };
          log(`demo mirror: generated ${generated.files} files, ${(generated.bytes / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s under ${deps.demoDir}${generated.mp4 ? '' : ' (no MP4: ffmpeg not available)'}`);
        }
        const queued: string[] = [];
        jobIds = [];
        for (const d of DEMO_DATASETS) {
          const folder = join(deps.demoDir, d.slug);
          const m = await deps.mirrorOf(d.slug);
          const root = await deps.realFolder(folder);
          if (m && root && m.root === root && m.indexed_at !== null && m.indexed_at >= built.builtAt) continue;
          jobIds.push(await deps.requestIngest(d.slug, folder, d.labels));
          queued.push(d.slug);
        }
        phase = 'queued';
        const ms = Math.round(performance.now() - t0);
        log(queued.length ? `demo mirror: ingestion queued for ${queued.join(', ')}` : 'demo mirror: up to date, nothing to do');
        return { generated, queued, ms };
      } catch (err) {
        phase = 'failed';
        throw err;
      }
    },

    /** 'off' (MEDIMG_DEMO=0), 'building' (files or ingestion under way), 'ready', or 'failed'. */
    async status(): Promise<DemoStatus> {
      if (!deps.enabled) return 'off';
      if (phase === 'failed') return 'failed';
      if (phase !== 'queued') return 'building';
      const states = await Promise.all(jobIds.map((id) => deps.jobStatus(id)));
      if (states.some((s) => s === 'failed')) return 'failed';
      return states.every((s) => s === 'success' || s === 'skipped') ? 'ready' : 'building';
    },
  };
}
export type DemoService = ReturnType<typeof createDemoService>;
