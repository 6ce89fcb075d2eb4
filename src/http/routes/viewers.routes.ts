import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FileIdParams, ImageQuery, PeaksQuery, SignalQuery, SliceQuery, SlugParams } from '../../../contract/index.js';
import { ifRangeMatches, parseRange } from '../../domain/byte-range.js';
import { FfmpegUnavailableError, type Playable, type Rendered, type ViewersService } from '../../services/viewers.service.js';
import { parseInput } from '../errors.js';

// Rendered bytes are keyed by content hash, parameters and renderer version: a URL's answer changes only when
// the file is re-ingested with other content, so clients may keep it for a day and revalidate with the ETag.
const CACHE = 'public, max-age=86400';

function sendRendered(req: FastifyRequest, reply: FastifyReply, r: Rendered) {
  reply.header('etag', r.etag).header('cache-control', CACHE);
  if (req.headers['if-none-match'] === r.etag) return reply.code(304).send();
  return reply.type(r.contentType).header('x-content-type-options', 'nosniff').send(r.body);
}

function sendJson(req: FastifyRequest, reply: FastifyReply, r: { data: unknown; etag: string }) {
  reply.header('etag', r.etag).header('cache-control', CACHE);
  if (req.headers['if-none-match'] === r.etag) return reply.code(304).send();
  return reply.send(r.data);
}

/** Inline playback with one byte range (RFC 9110 14): 206, 416 past the end, the whole 200 otherwise. */
function sendPlayable(req: FastifyRequest, reply: FastifyReply, p: Playable) {
  reply.header('accept-ranges', 'bytes').header('etag', p.etag).header('cache-control', CACHE).header('x-content-type-options', 'nosniff');
  const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined;
  const range = ifRangeMatches(ifRange, p.etag, null) ? parseRange(req.headers.range, p.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${p.size}`)
      .send({ error: { code: 'range_not_satisfiable', message: `The range ${req.headers.range} is outside the ${p.size} bytes of this video` } });
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end + 1] : [0, p.size];
  if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end - 1}/${p.size}`);
  reply.type(p.contentType).header('content-length', end - start);
  if (req.method === 'HEAD') return reply.send();
  return reply.send(p.open(start, end));
}

/** ffmpeg is optional: without it a transcode, a poster or compressed-audio peaks are 501, not a client error. */
async function needsFfmpeg(reply: FastifyReply, send: () => Promise<unknown>) {
  try {
    return await send();
  } catch (err) {
    if (err instanceof FfmpegUnavailableError) return reply.code(501).send({ error: { code: err.code, message: err.message } });
    throw err;
  }
}

export function viewersRoutes(app: FastifyInstance, viewers: ViewersService): void {
  const id = (req: FastifyRequest) => parseInput(FileIdParams, req.params, 'path').id;

  app.get('/api/v1/files/:id/volume', async (req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return viewers.volume(id(req));
  });

  app.get('/api/v1/files/:id/slice', async (req, reply) =>
    sendRendered(req, reply, await viewers.slice(id(req), parseInput(SliceQuery, req.query, 'query'))));

  app.get('/api/v1/files/:id/image', async (req, reply) =>
    sendRendered(req, reply, await viewers.image(id(req), parseInput(ImageQuery, req.query, 'query'))));

  app.get('/api/v1/files/:id/signal', async (req, reply) =>
    sendJson(req, reply, await viewers.signal(id(req), parseInput(SignalQuery, req.query, 'query'))));

  app.get('/api/v1/files/:id/peaks', async (req, reply) =>
    needsFfmpeg(reply, async () => sendJson(req, reply, await viewers.peaks(id(req), parseInput(PeaksQuery, req.query, 'query')))));

  app.get('/api/v1/files/:id/video', async (req, reply) =>
    needsFfmpeg(reply, async () => sendPlayable(req, reply, await viewers.video(id(req)))));

  app.get('/api/v1/files/:id/poster', async (req, reply) =>
    needsFfmpeg(reply, async () => sendRendered(req, reply, await viewers.poster(id(req)))));

  app.get('/api/v1/datasets/:slug/samples', async (req) => viewers.samples(parseInput(SlugParams, req.params, 'path').slug));
}
