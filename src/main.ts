import type { Config } from './config.js';
import { type Db, migrateToLatest, openSqlite } from './db/database.js';
import { buildApp } from './http/app.js';
import { readCardFiles } from './repos/catalog-files.repo.js';
import { createDatasetSearchRepo } from './repos/dataset-search.repo.js';
import { createDatasetsRepo } from './repos/datasets.repo.js';
import { createCatalogService } from './services/catalog.service.js';
import { createDatasetsService } from './services/datasets.service.js';
import { createStatsService } from './services/stats.service.js';

/** Composition root: config -> db -> repos -> services. Nothing here runs on import. */
export function createServices(db: Db) {
  const datasets = createDatasetsRepo(db);
  return {
    catalog: createCatalogService({ readCardFiles, datasets }),
    datasets: createDatasetsService({ datasets, search: createDatasetSearchRepo(db) }),
    stats: createStatsService({ datasets }),
  };
}
export type Services = ReturnType<typeof createServices>;

/** Opens and migrates the database and syncs the catalog into it. */
export async function openInstance(config: Config) {
  const db = openSqlite(config.sqliteFile);
  try {
    await migrateToLatest(db);
    const services = createServices(db);
    const sync = await services.catalog.sync([...config.catalogSources]);
    return { db, services, sync };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

export async function startServer(config: Config) {
  const instance = await openInstance(config);
  const app = await buildApp(instance.services, { logLevel: config.logLevel, webDistDir: config.webDistDir });
  app.addHook('onClose', async () => instance.db.destroy());
  const address = await app.listen({ port: config.port, host: config.host });
  return { app, address, sync: instance.sync };
}
