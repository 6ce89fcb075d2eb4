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

  app.get('/api/v1/datasets/:slug/series', async (req) => files.series(parseInput(SlugParams, req.params, 'path').slug));

  app.get('/api/v1/files/:id', async (req) => files.get(parseInput(FileIdParams, req.params, 'path').id));

  app.get('/api/v1/files/:id/thumbnail', async (req, reply) => {
    const { webp, etag } = await files.thumbnail(parseInput(FileIdParams, req.params, 'path').id);
    if (req.headers['if-none-match'] === etag) return reply.code(304).header('etag', etag).send();
    // Keyed by content hash and generator version: a given URL's bytes change only on re-ingestion.
    return reply.type('image/webp').header('etag', etag).header('cache-control', 'public, max-age=86400').send(webp);
  });

  app.get('/api/v1/jobs/:id', async (req) => jobs.get(parseInput(JobIdParams, req.params, 'path').id));
}
