import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Card } from '../contract/index.js';
import type { Config, UpdatesConfig } from './config.js';
import { type Db, migrateToLatest, openSqlite } from './db/database.js';
import { buildApp } from './http/app.js';
import { NotFoundError } from './domain/errors.js';
import { createWorker, jobHandlers } from './jobs/worker.js';
import { updateScheduleTick } from './jobs/update-schedule.js';
import { readCardFiles } from './repos/catalog-files.repo.js';
import { createDatasetSearchRepo } from './repos/dataset-search.repo.js';
import { createDatasetsRepo } from './repos/datasets.repo.js';
import { createFileLookupRepo, createFilesRepo } from './repos/files.repo.js';
import { readTextBounded, realFolder, walkDataset } from './repos/fs-walk.repo.js';
import { createJobsRepo } from './repos/jobs.repo.js';
import { createMirrorsRepo } from './repos/mirrors.repo.js';
import { createProbePool, type ProbePool } from './repos/probe/probe-pool.js';
import { ownerAlive, processOwner } from './repos/process.repo.js';
import { createThumbnailsRepo } from './repos/thumbnails.repo.js';
import { createViewersRepos } from './repos/render/index.js';
import { createViewersService } from './services/viewers.service.js';
import { createDownloadsRepo } from './repos/downloads.repo.js';
import { createRawFilesRepo } from './repos/raw-files.repo.js';
import { createSmallFilesRepo } from './repos/small-files/small-files.repo.js';
import { createArchivePacksRepo } from './repos/archive-packs.repo.js';
import { createDownloadsService } from './services/downloads.service.js';
import { createSelectionsService } from './services/selections.service.js';
import { createHttpDownloadRepo } from './repos/http-download.repo.js';
import { createCatalogService } from './services/catalog.service.js';
import { createDatasetsService } from './services/datasets.service.js';
import { createFilesService } from './services/files.service.js';
import { createIngestService } from './services/ingest.service.js';
import { createJobsService } from './services/jobs.service.js';
import { createStatsService } from './services/stats.service.js';
import { createDemoMirrorRepo } from './repos/demo/demo-mirror.repo.js';
import { createFfmpegRepo } from './repos/render/ffmpeg.repo.js';
import { createDemoService } from './services/demo.service.js';
import { createDownloadClientService } from './services/download-client.service.js';
import { createUpdatesRepo } from './repos/updates.repo.js';
import { createUpstreamRepo } from './repos/upstream/index.js';
import { createUpdatesService } from './services/updates.service.js';
import { createVersionsRepo } from './repos/versions.repo.js';
import { createVersionsService } from './services/versions.service.js';

// Archive packs hold files of up to 64 KiB (for them, opening, checking and closing each file
// costs more than copying it), for archives of at least 1,024 such files (a page of the index).
const PACK_LIMITS = { maxFile: 64 * 1024, minFiles: 1024 };

/**
 * Composition root: config -> db -> repos -> services. Nothing here runs on import.
 * The probe pool (worker threads) is created on first use, so the API alone starts none.
 */
export function createServices(db: Db, opts: { thumbDir?: string; makeThumbnails?: boolean; updates?: UpdatesConfig; now?: () => Date; previewDir?: string; ffmpeg?: string; nativeReader?: string | null; ioUring?: boolean; packDir?: string; packBytes?: number } = {}) {
  const datasets = createDatasetsRepo(db);
  const files = createFilesRepo(db);
  const mirrors = createMirrorsRepo(db);
  const jobs = createJobsRepo(db);
  const datasetExists = async (slug: string) => (await datasets.getCardJson(slug)) !== undefined;
  let pool: ProbePool | undefined;
  const startProbes = () => {
    pool ??= createProbePool({ size: Math.max(1, Math.min(4, availableParallelism())), timeoutMs: 30_000, maxHeapMb: 512, thumbDir: opts.makeThumbnails === false ? undefined : opts.thumbDir });
    return pool;
  };
  const probe = (absPath: string, name: string) => startProbes().probe(absPath, name);
  const downloadsRepo = createDownloadsRepo(db);
  const small = createSmallFilesRepo({ addon: opts.nativeReader, ring: opts.ioUring });
  const downloadsService = createDownloadsService({
    downloads: downloadsRepo, raw: createRawFilesRepo(), mirrors, small,
    card: async (slug) => {
      const json = await datasets.getCardJson(slug);
      if (json === undefined) throw new NotFoundError(`No dataset with slug "${slug}"`);
      return JSON.parse(json) as Card;
    },
    packStore: opts.packDir && opts.packBytes ? { repo: createArchivePacksRepo(opts.packDir), limits: { ...PACK_LIMITS, capBytes: opts.packBytes } } : undefined,
  });
  const updatesService = createUpdatesService({
    updates: createUpdatesRepo(db), jobs, owner: processOwner(), now: opts.now,
    cards: async () => (await datasets.allCardJson()).map((j) => JSON.parse(j) as Card),
    upstream: createUpstreamRepo({
      http: { userAgent: opts.updates?.userAgent ?? 'MedImg update-check', hostSpacingMs: opts.updates?.hostSpacingMs, connectTimeoutMs: opts.updates?.timeoutMs, totalTimeoutMs: opts.updates ? opts.updates.timeoutMs * 2 : undefined },
      bases: opts.updates?.bases, kaggle: opts.updates?.kaggle,
    }),
  });
  const lookup = createFileLookupRepo(db);
  const filesService = createFilesService({ files, mirrors, datasetExists, lookup, thumbnails: opts.thumbDir ? createThumbnailsRepo(opts.thumbDir) : undefined });
  // Preview renderers: worker threads start on the first preview, so the API alone starts none.
  const previews = createViewersRepos({ previewDir: opts.previewDir, ffmpeg: opts.ffmpeg });
  const viewers = createViewersService({ ...previews, files, lookup, mirrors, check: createRawFilesRepo().check, items: filesService.items, datasetExists });
  return {
    catalog: createCatalogService({ readCardFiles, datasets }),
    datasets: createDatasetsService({
      datasets, search: createDatasetSearchRepo(db),
      mirrors: { info: filesService.mirror, counts: async () => new Map((await mirrors.all()).map((m) => [m.slug, m.files])) },
      linkHealth: { all: updatesService.linkHealthAll, one: updatesService.linkHealth },
    }),
    updates: updatesService,
    stats: createStatsService({ datasets }),
    files: filesService,
    viewers,
    jobs: createJobsService({ jobs }),
    downloads: downloadsService,
    selections: createSelectionsService({ downloads: downloadsRepo, datasets, search: createDatasetSearchRepo(db), mirrors, files: downloadsService }),
    ingest: createIngestService({
      files, mirrors, jobs, versions: createVersionsRepo(db), datasetExists, walk: walkDataset, realFolder, readText: readTextBounded, probe, startProbes, ownerAlive,
    }),
    versions: createVersionsService({ versions: createVersionsRepo(db), datasetExists }),
    /** How archive downloads read small files (logged at start; asking tries an io_uring ring once). */
    get smallFileReader(): string {
      return small.reader;
    },
    async close() {
      await downloadsService.close();
      await pool?.close();
      await previews.render.close();
      await small.close();
    },
  };
}
export type Services = ReturnType<typeof createServices>;

/** Opens and migrates the database and syncs the catalog into it. */
export async function openInstance(config: Config) {
  const db = openSqlite(config.sqliteFile);
  try {
    await migrateToLatest(db);
    const services = createServices(db, { thumbDir: join(config.dataDir, 'thumbnails'), makeThumbnails: config.thumbnails, updates: config.updates, previewDir: join(config.dataDir, 'previews'), ffmpeg: config.ffmpeg, nativeReader: config.nativeReader, ioUring: config.ioUring, packDir: join(config.dataDir, 'packs'), packBytes: config.archivePackBytes });
    const sync = await services.catalog.sync([...config.catalogSources]);
    // The synthetic demo mirror: built by startServer (ensure), never by the CLI commands.
    const mirrorsRepo = createMirrorsRepo(db);
    const demo = createDemoService({
      enabled: config.demo, demoDir: join(config.dataDir, 'demo'),
      mirror: createDemoMirrorRepo({ ffmpeg: createFfmpegRepo({ binary: config.ffmpeg, timeoutMs: 60_000 }) }),
      requestIngest: services.ingest.request, jobStatus: async (id) => (await services.jobs.get(id)).status,
      mirrorOf: mirrorsRepo.get, realFolder,
    });
    return {
      db, services, sync, demo,
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

export function startWorker(services: Services, log?: (line: string) => void, updateIntervalMs = 0) {
  const tick = updateIntervalMs > 0 ? updateScheduleTick(services.updates, updateIntervalMs, { log }) : undefined;
  return createWorker(services.jobs, jobHandlers(services), { owner: processOwner(), log, tick });
}

export async function startServer(config: Config, opts: { worker?: boolean } = {}) {
  const instance = await openInstance(config);
  const app = await buildApp({ ...instance.services, demo: instance.demo }, { logLevel: config.logLevel, webDistDir: config.webDistDir });
  // The server also works the job queue, so an instance needs no second process.
  const worker = opts.worker === false ? undefined : startWorker(instance.services, (line) => app.log.info(line), config.updates.intervalMs);
  // The demo files are generated (or found up to date) and their ingestion queued before the worker starts,
  // so that it never works a stale demo job on files being replaced; the API listens meanwhile.
  const demoReady = instance.demo.ensure({ log: (line) => app.log.info(line) }).then(
    (o) => { if (o.generated || o.queued.length) app.log.info(`demo mirror: prepared in ${(o.ms / 1000).toFixed(1)} s`); },
    (err: Error) => app.log.error(`demo mirror not built: ${err.message}`),
  );
  const loop = worker ? demoReady.then(() => worker.loop()) : demoReady;
  app.addHook('onClose', async () => {
    worker?.stop();
    await loop;
    await instance.close();
  });
  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info(`small files of archives are read by the ${instance.services.smallFileReader} reader`);
  return { app, address, sync: instance.sync };
}

/** The client side of `medimg download`: HTTP and local files only, no database. */
export function createDownloadClient(opts: { retries?: number; backoffMs?: number; idleMs?: number } = {}) {
  return createDownloadClientService({ http: createHttpDownloadRepo({ idleMs: opts.idleMs }), retries: opts.retries, backoffMs: opts.backoffMs });
}
