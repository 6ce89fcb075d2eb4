import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SlugParams, UpdatesQuery } from '../../../contract/index.js';
import type { UpdatesService } from '../../services/updates.service.js';
import { parseInput } from '../errors.js';

const ATOM = 'application/atom+xml; charset=utf-8';
const site = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/** Upstream update events (JSON), one dataset's check history and link health, and the Atom feeds. */
export function updatesRoutes(app: FastifyInstance, updates: UpdatesService): void {
  app.get('/api/v1/updates', async (req) => updates.list(parseInput(UpdatesQuery, req.query, 'query')));

  app.get('/api/v1/datasets/:slug/updates', async (req) => updates.forDataset(parseInput(SlugParams, req.params, 'path').slug));

  app.get('/feed.xml', async (req, reply) => {
    const xml = await updates.feed({ siteUrl: site(req), selfUrl: `${site(req)}/feed.xml`, authority: req.hostname });
    return reply.type(ATOM).header('cache-control', 'no-cache').send(xml);
  });

  app.get('/datasets/:slug/feed.xml', async (req, reply) => {
    const { slug } = parseInput(SlugParams, req.params, 'path');
    const xml = await updates.feed({ slug, siteUrl: site(req), selfUrl: `${site(req)}/datasets/${slug}/feed.xml`, authority: req.hostname });
    return reply.type(ATOM).header('cache-control', 'no-cache').send(xml);
  });
}
