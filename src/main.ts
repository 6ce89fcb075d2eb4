import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config.js';
import { type Db, migrateToLatest, openSqlite } from './db/database.js';
import { buildApp } from './http/app.js';
import { createWorker, jobHandlers } from './jobs/worker.js';
import { readCardFiles } from './repos/catalog-files.repo.js';
import { createDatasetSearchRepo } from './repos/dataset-search.repo.js';
import { createDatasetsRepo } from './repos/datasets.repo.js';
import { createFilesRepo } from './repos/files.repo.js';
import { readTextBounded, realFolder, walkDataset } from './repos/fs-walk.repo.js';
import { createJobsRepo } from './repos/jobs.repo.js';
import { createMirrorsRepo } from './repos/mirrors.repo.js';
import { createProbePool, type ProbePool } from './repos/probe/probe-pool.js';
import { ownerAlive, processOwner } from './repos/process.repo.js';
import { createThumbnailsRepo } from './repos/thumbnails.repo.js';
import { createCatalogService } from './services/catalog.service.js';
import { createDatasetsService } from './services/datasets.service.js';
import { createFilesService } from './services/files.service.js';
import { createIngestService } from './services/ingest.service.js';
import { createJobsService } from './services/jobs.service.js';
import { createStatsService } from './services/stats.service.js';

/**
 * Composition root: config -> db -> repos -> services. Nothing here runs on import.
 * The probe pool (worker threads) is created on first use, so the API alone starts none.
 */
export function createServices(db: Db, opts: { thumbDir?: string; makeThumbnails?: boolean } = {}) {
  const datasets = createDatasetsRepo(db);
  const files = createFilesRepo(db);
  const mirrors = createMirrorsRepo(db);
  const jobs = createJobsRepo(db);
  const datasetExists = async (slug: string) => (await datasets.getCardJson(slug)) !== undefined;
  let pool: ProbePool | undefined;
  const probe = (absPath: string, name: string) => {
    pool ??= createProbePool({ size: Math.max(1, Math.min(4, availableParallelism())), timeoutMs: 30_000, maxHeapMb: 512, thumbDir: opts.makeThumbnails === false ? undefined : opts.thumbDir });
    return pool.probe(absPath, name);
  };
  const filesService = createFilesService({ files, mirrors, datasetExists, thumbnails: opts.thumbDir ? createThumbnailsRepo(opts.thumbDir) : undefined });
  return {
    catalog: createCatalogService({ readCardFiles, datasets }),
    datasets: createDatasetsService({
      datasets, search: createDatasetSearchRepo(db),
      mirrors: { info: filesService.mirror, counts: async () => new Map((await mirrors.all()).map((m) => [m.slug, m.files])) },
    }),
    stats: createStatsService({ datasets }),
    files: filesService,
    jobs: createJobsService({ jobs }),
    ingest: createIngestService({
      files, mirrors, jobs, datasetExists, walk: walkDataset, realFolder, readText: readTextBounded, probe, ownerAlive,
    }),
    async close() {
      await pool?.close();
    },
  };
}
export type Services = ReturnType<typeof createServices>;

/** Opens and migrates the database and syncs the catalog into it. */
export async function openInstance(config: Config) {
  const db = openSqlite(config.sqliteFile);
  try {
    await migrateToLatest(db);
    const services = createServices(db, { thumbDir: join(config.dataDir, 'thumbnails'), makeThumbnails: config.thumbnails });
    const sync = await services.catalog.sync([...config.catalogSources]);
    return {
      db, services, sync,
      async close() {
        await services.close();
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

export function startWorker(services: Services, log?: (line: string) => void) {
  return createWorker(services.jobs, jobHandlers(services), { owner: processOwner(), log });
}

export async function startServer(config: Config, opts: { worker?: boolean } = {}) {
  const instance = await openInstance(config);
  const app = await buildApp(instance.services, { logLevel: config.logLevel, webDistDir: config.webDistDir });
  // The server also works the job queue, so an instance needs no second process.
  const worker = opts.worker === false ? undefined : startWorker(instance.services, (line) => app.log.info(line));
  const loop = worker?.loop();
  app.addHook('onClose', async () => {
    worker?.stop();
    await loop;
    await instance.close();
  });
  const address = await app.listen({ port: config.port, host: config.host });
  return { app, address, sync: instance.sync };
}
