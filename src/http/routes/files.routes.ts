import type { FastifyInstance } from 'fastify';
import { FileIdParams, FileQuery, JobIdParams, SlugParams, TreeQuery } from '../../../contract/index.js';
import type { FilesService } from '../../services/files.service.js';
import type { JobsService } from '../../services/jobs.service.js';
import { parseInput } from '../errors.js';

export function filesRoutes(app: FastifyInstance, files: FilesService, jobs: JobsService): void {
  app.get('/api/v1/datasets/:slug/files', async (req) =>
    files.list(parseInput(SlugParams, req.params, 'path').slug, parseInput(FileQuery, req.query, 'query')));

  app.get('/api/v1/datasets/:slug/tree', async (req) =>
    files.tree(parseInput(SlugParams, req.params, 'path').slug, parseInput(TreeQuery, req.query, 'query').path));

  app.get('/api/v1/files/:id', async (req) => files.get(parseInput(FileIdParams, req.params, 'path').id));

  app.get('/api/v1/jobs/:id', async (req) => jobs.get(parseInput(JobIdParams, req.params, 'path').id));
}
