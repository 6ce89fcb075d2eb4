import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DatasetsService } from '../services/datasets.service.js';
import type { FilesService } from '../services/files.service.js';
import type { JobsService } from '../services/jobs.service.js';
import type { StatsService } from '../services/stats.service.js';
import { installErrorHandling, installNotFound } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { datasetsRoutes } from './routes/datasets.routes.js';
import { filesRoutes } from './routes/files.routes.js';
import { metaRoutes } from './routes/meta.routes.js';
import { webRoutes } from './routes/web.routes.js';

export interface AppServices {
  datasets: DatasetsService;
  stats: StatsService;
  files: FilesService;
  jobs: JobsService;
}

export interface AppOptions {
  logLevel?: string;
  /** Folder of the built browser app (web/dist); without it only the API is served. */
  webDistDir?: string;
}

/** The HTTP app without listen(), so tests can inject() or listen on port 0. */
export async function buildApp(services: AppServices, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logLevel && opts.logLevel !== 'silent' ? { level: opts.logLevel } : false,
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 1024 * 1024,
  });
  installErrorHandling(app);
  const openapi = buildOpenApi();
  await app.register(swagger, { mode: 'static', specification: { document: openapi as never } });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', async () => openapi);

  metaRoutes(app, services.stats);
  datasetsRoutes(app, services.datasets);
  filesRoutes(app, services.files, services.jobs);
  const htmlNotFound = opts.webDistDir ? await webRoutes(app, services.datasets, opts.webDistDir) : undefined;
  installNotFound(app, htmlNotFound);
  return app;
}
