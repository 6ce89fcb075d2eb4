import type { FastifyInstance } from 'fastify';
import { DatasetQuery, SlugParams } from '../../../contract/index.js';
import type { DatasetsService } from '../../services/datasets.service.js';
import { parseInput } from '../errors.js';

export function datasetsRoutes(app: FastifyInstance, datasets: DatasetsService): void {
  app.get('/api/v1/datasets', async (req) => datasets.list(parseInput(DatasetQuery, req.query, 'query')));

  app.get('/api/v1/datasets/:slug', async (req) => datasets.detail(parseInput(SlugParams, req.params, 'path').slug));

  app.get('/api/v1/datasets/:slug/citation.bib', async (req, reply) => {
    const { slug } = parseInput(SlugParams, req.params, 'path');
    const bib = await datasets.bibtex(slug);
    return reply.type('application/x-bibtex; charset=utf-8')
      .header('content-disposition', `inline; filename="${slug}.bib"`).send(bib);
  });

  app.get('/api/v1/datasets/:slug/croissant.json', async (req, reply) => {
    const { slug } = parseInput(SlugParams, req.params, 'path');
    const pageUrl = `${req.protocol}://${req.host}/datasets/${slug}`;
    return reply.type('application/ld+json; charset=utf-8').send(await datasets.croissant(slug, pageUrl));
  });
}
