import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DatasetsService } from '../services/datasets.service.js';
import type { DemoService } from '../services/demo.service.js';
import type { DownloadsService } from '../services/downloads.service.js';
import type { SelectionsService } from '../services/selections.service.js';
import type { FilesService } from '../services/files.service.js';
import type { JobsService } from '../services/jobs.service.js';
import type { StatsService } from '../services/stats.service.js';
import type { UpdatesService } from '../services/updates.service.js';
import type { ViewersService } from '../services/viewers.service.js';
import type { VersionsService } from '../services/versions.service.js';
import { installErrorHandling, installNotFound } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { datasetsRoutes } from './routes/datasets.routes.js';
import { downloadsRoutes } from './routes/downloads.routes.js';
import { filesRoutes } from './routes/files.routes.js';
import { metaRoutes } from './routes/meta.routes.js';
import { updatesRoutes } from './routes/updates.routes.js';
import { viewersRoutes } from './routes/viewers.routes.js';
import { versionsRoutes } from './routes/versions.routes.js';
import { webRoutes } from './routes/web.routes.js';

export interface AppServices {
  datasets: DatasetsService;
  stats: StatsService;
  files: FilesService;
  jobs: JobsService;
  /** Upstream update checks (absent: no /api/v1/updates or feeds). */
  updates?: UpdatesService;
  viewers: ViewersService;
  downloads: DownloadsService;
  selections: SelectionsService;
  /** Versions of mirrored datasets (absent: no /versions routes). */
  versions?: VersionsService;
  /** The synthetic demo mirror's state, shown by /healthz (absent: 'off'). */
  demo?: Pick<DemoService, 'status'>;
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

  metaRoutes(app, services.stats, services.demo);
  datasetsRoutes(app, services.datasets);
  filesRoutes(app, services.files, services.jobs);
  if (services.updates) updatesRoutes(app, services.updates);
  viewersRoutes(app, services.viewers);
  downloadsRoutes(app, services.downloads, services.selections);
  if (services.versions) versionsRoutes(app, services.versions);
  const htmlNotFound = opts.webDistDir ? await webRoutes(app, services.datasets, opts.webDistDir) : undefined;
  installNotFound(app, htmlNotFound);
  return app;
}
