import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ArchiveQuery, FileIdParams, SelectionIdParams, SelectionRequest, SlugParams } from '../../../contract/index.js';
import { type BlockPool, blockPool, blockStore } from '../../domain/block-pool.js';
import { contentDisposition, ifRangeMatches, parseRange } from '../../domain/byte-range.js';
import { InvalidInputError } from '../../domain/errors.js';
import { BLOCK, type Download, type DownloadsService } from '../../services/downloads.service.js';
import type { SelectionsService } from '../../services/selections.service.js';
import { parseInput } from '../errors.js';

// Blocks per response: one being filled, the others in the socket's hands. Blocks are reused
// across responses, up to KEEP_BLOCKS idle ones (16 MiB).
const POOL_BLOCKS = 4;
const KEEP_BLOCKS = 16;
const blocks = blockStore(BLOCK, KEEP_BLOCKS);

/**
 * Sends a download with Range / If-Range (RFC 9110 14 and 13.1.5): one range -> 206,
 * unsatisfiable -> 416 with `Content-Range: bytes * /size`, a stale If-Range -> the whole 200.
 * HEAD gets the same headers and opens nothing.
 */
export async function sendDownload(req: FastifyRequest, reply: FastifyReply, d: Download) {
  reply.header('accept-ranges', 'bytes').header('etag', d.etag);
  if (d.lastModifiedMs !== null) reply.header('last-modified', new Date(d.lastModifiedMs).toUTCString());
  const ifRange = req.headers['if-range'];
  const range = ifRangeMatches(typeof ifRange === 'string' ? ifRange : undefined, d.etag, d.lastModifiedMs)
    ? parseRange(req.headers.range, d.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${d.size}`)
      .send({ error: { code: 'range_not_satisfiable', message: `The range ${req.headers.range} is outside the ${d.size} bytes of this resource` } });
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end + 1] : [0, d.size];
  if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end - 1}/${d.size}`);
  reply.type(d.contentType).header('content-disposition', contentDisposition(d.filename))
    .header('x-content-type-options', 'nosniff').header('content-length', end - start);
  if (req.method === 'HEAD') {
    // Fastify's own HEAD handling would replace Content-Length with the (empty) body's length.
    reply.hijack();
    reply.raw.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
    reply.raw.end();
    return reply;
  }
  // The first block is read before anything is sent, so that a file found stale at once is a
  // clean 409; after that the only honest reaction to a failure is to cut the response.
  const pool = blockPool(BLOCK, POOL_BLOCKS, blocks);
  const chunks = d.open(start, end, pool);
  let first: IteratorResult<Buffer>;
  try {
    first = await chunks.next();
  } catch (err) {
    pool.close();
    pool.release();
    throw err;
  }
  reply.hijack();
  reply.raw.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
  void pump(reply.raw, first, chunks, pool, req);
  return reply;
}

/**
 * Writes the blocks to the socket as they come, each given back to the pool once written: the
 * producer waits for a free block, so a slow client holds at most POOL_BLOCKS blocks in memory.
 */
async function pump(res: ServerResponse, first: IteratorResult<Buffer>, chunks: AsyncGenerator<Buffer>, pool: BlockPool, req: FastifyRequest) {
  let gone = res.destroyed;
  if (gone) pool.close();
  const onClose = () => {
    gone = true;
    pool.close();
  };
  res.on('close', onClose);
  try {
    for (let r = first; !r.done && !gone; r = await chunks.next()) {
      const buf = r.value;
      res.write(buf, () => pool.give(buf));
    }
    if (!gone) res.end();
  } catch (err) {
    req.log.warn({ err }, 'download cut short');
    res.destroy();
  } finally {
    res.off('close', onClose);
    await chunks.return(undefined).catch(() => {});
    pool.release();
  }
}

/** Absolute base URL of this server as the client reached it (for manifest and script URLs). */
function baseUrl(req: FastifyRequest): string {
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(req.host)) {
    throw new InvalidInputError(`Invalid Host header: ${JSON.stringify(req.host.slice(0, 100))}`, 'invalid_host');
  }
  return `${req.protocol}://${req.host}`;
}

/** A text answer; a list of files comes as chunks (a page of files each) and is streamed as it is made. */
const text = (reply: FastifyReply, type: string, filename: string, body: string | AsyncIterable<string>) =>
  reply.type(type).header('content-disposition', contentDisposition(filename)).send(typeof body === 'string' ? body : Readable.from(body));

export function downloadsRoutes(app: FastifyInstance, downloads: DownloadsService, selections: SelectionsService): void {
  app.get('/api/v1/files/:id/raw', async (req, reply) =>
    sendDownload(req, reply, await downloads.raw(parseInput(FileIdParams, req.params, 'path').id)));

  app.get('/api/v1/datasets/:slug/archive.zip', async (req, reply) => {
    const { slug } = parseInput(SlugParams, req.params, 'path');
    return sendDownload(req, reply, await downloads.datasetArchive(slug, parseInput(ArchiveQuery, req.query, 'query')));
  });

  app.get('/api/v1/datasets/:slug/manifest.tsv', async (req, reply) => {
    const { slug } = parseInput(SlugParams, req.params, 'path');
    const q = parseInput(ArchiveQuery, req.query, 'query');
    return text(reply, 'text/tab-separated-values; charset=utf-8', `${slug}-manifest.tsv`, await downloads.datasetManifest(slug, q, baseUrl(req)));
  });

  app.post('/api/v1/selections', async (req, reply) =>
    reply.code(201).send(await selections.create(parseInput(SelectionRequest, req.body ?? {}, 'body'))));

  app.get('/api/v1/selections/:id', async (req) => selections.get(parseInput(SelectionIdParams, req.params, 'path').id));

  app.get('/api/v1/selections/:id/archive.zip', async (req, reply) =>
    sendDownload(req, reply, await selections.archive(parseInput(SelectionIdParams, req.params, 'path').id)));

  app.get('/api/v1/selections/:id/manifest.tsv', async (req, reply) => {
    const { id } = parseInput(SelectionIdParams, req.params, 'path');
    return text(reply, 'text/tab-separated-values; charset=utf-8', `medimg-${id}-manifest.tsv`, await selections.manifest(id, baseUrl(req)));
  });

  app.get('/api/v1/selections/:id/aria2.txt', async (req, reply) => {
    const { id } = parseInput(SelectionIdParams, req.params, 'path');
    return text(reply, 'text/plain; charset=utf-8', `medimg-${id}-aria2.txt`, await selections.aria2(id, baseUrl(req)));
  });

  app.get('/api/v1/selections/:id/download.sh', async (req, reply) => {
    const { id } = parseInput(SelectionIdParams, req.params, 'path');
    return text(reply, 'text/x-shellscript; charset=utf-8', `medimg-${id}-download.sh`, await selections.script(id, baseUrl(req)));
  });

  app.get('/api/v1/selections/:id/citations.bib', async (req, reply) => {
    const { id } = parseInput(SelectionIdParams, req.params, 'path');
    return text(reply, 'application/x-bibtex; charset=utf-8', `medimg-${id}.bib`, await selections.citations(id));
  });
}
