import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { SlugParams, VersionDiffQuery, VersionListQuery, VersionParams } from '../../../contract/index.js';
import type { VersionsService } from '../../services/versions.service.js';
import { parseInput } from '../errors.js';

export function versionsRoutes(app: FastifyInstance, versions: VersionsService): void {
  app.get('/api/v1/datasets/:slug/versions', async (req) =>
    versions.list(parseInput(SlugParams, req.params, 'path').slug, parseInput(VersionListQuery, req.query, 'query')));

  app.get('/api/v1/datasets/:slug/versions/:n', async (req) => {
    const { slug, n } = parseInput(VersionParams, req.params, 'path');
    return versions.get(slug, n, parseInput(VersionDiffQuery, req.query, 'query'));
  });

  app.get('/api/v1/datasets/:slug/versions/:n/manifest.tsv', async (req, reply) => {
    const { slug, n } = parseInput(VersionParams, req.params, 'path');
    const { filename, lines } = await versions.manifest(slug, n);
    // Streamed with backpressure: the next page is read from the database only when the socket takes more.
    return reply.type('text/tab-separated-values; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(Readable.from(lines, { objectMode: false }));
  });
}
