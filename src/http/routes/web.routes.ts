import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SLUG_PATTERN } from '../../../contract/index.js';
import { NotFoundError } from '../../domain/errors.js';
import type { DatasetsService } from '../../services/datasets.service.js';
import { renderPage } from '../web-page.js';

export const PAGE_PATHS = ['/', '/search', '/browse', '/download', '/stats'];

/** Serves the built browser app: hashed assets, the page routes, and dataset pages with their head rendered here. */
export async function webRoutes(app: FastifyInstance, datasets: DatasetsService, distDir: string): Promise<(req: FastifyRequest, reply: FastifyReply) => unknown> {
  let template: string;
  try {
    template = readFileSync(join(distDir, 'index.html'), 'utf8');
  } catch {
    const notBuilt = (_req: FastifyRequest, reply: FastifyReply) => reply.code(503).type('text/plain; charset=utf-8')
      .send('The MedImg web app is not built. Run `npm run build:web` (npm start does it for you). The API is at /api/v1.');
    for (const path of [...PAGE_PATHS, '/datasets/:slug', '/datasets/:slug/files/:id']) app.get(path, notBuilt);
    return (req, reply) => reply.code(404).type('text/plain; charset=utf-8').send(`No page at ${req.url}`);
  }

  // Asset names carry a content hash: cache them for a year.
  await app.register(fastifyStatic, {
    root: join(distDir, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    list: false,
  });

  const ALL_UPDATES = { href: '/feed.xml', title: 'MedImg: upstream updates' };
  const base = renderPage(template, { title: 'MedImg: public medical image datasets', feeds: [ALL_UPDATES] });
  const html = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body);
  const notFoundPage = renderPage(template, { title: 'Not found — MedImg', noindex: true });

  for (const path of PAGE_PATHS) app.get(path, (_req, reply) => html(reply, base));

  app.get<{ Params: { slug: string } }>('/datasets/:slug', async (req, reply) => {
    const { slug } = req.params;
    if (!SLUG_PATTERN.test(slug) || slug.length > 80) return html(reply, notFoundPage, 404);
    try {
      const pageUrl = `${req.protocol}://${req.host}/datasets/${slug}`;
      const meta = await datasets.pageMeta(slug, pageUrl);
      return html(reply, renderPage(template, { ...meta, canonical: pageUrl, feeds: [{ href: `/datasets/${slug}/feed.xml`, title: `Updates of ${meta.title}` }, ALL_UPDATES] }));
    } catch (err) {
      if (err instanceof NotFoundError) return html(reply, notFoundPage, 404);
      throw err;
    }
  });

  // A file's viewer page (issue 5): rendered in the browser; the server only checks the shape of the URL.
  const filePage = renderPage(template, { title: 'File preview — MedImg', noindex: true });
  app.get<{ Params: { slug: string; id: string } }>('/datasets/:slug/files/:id', async (req, reply) => {
    const { slug, id } = req.params;
    if (!SLUG_PATTERN.test(slug) || slug.length > 80 || !/^[1-9]\d{0,15}$/.test(id)) return html(reply, notFoundPage, 404);
    return html(reply, filePage);
  });

  return (_req, reply) => html(reply, notFoundPage, 404);
}
