import { requireOk } from './http-client.js';
import type { AdapterContext, Observation } from './types.js';

/** MEDIMG_UPSTREAM_BASE_HTTP sends every plain HTTP check to one server (tests), keeping path and query. */
function target(url: string, ctx: AdapterContext): string {
  const base = ctx.base('http', '');
  if (!base) return url;
  const u = new URL(url);
  return `${base}${u.pathname}${u.search}`;
}

/**
 * Any URL: HEAD (a GET cut off after the headers when HEAD is refused), marker from the
 * validators RFC 9110 defines: ETag, else Last-Modified, plus Content-Length.
 */
export async function checkHttp(source: { url: string }, ctx: AdapterContext): Promise<Observation> {
  const url = target(source.url, ctx);
  let res = await ctx.http.request(url, { method: 'HEAD' });
  if (res.status === 405 || res.status === 501 || res.status === 403) res = await ctx.http.request(url, { headersOnly: true });
  requireOk(res);
  const etag = res.headers.etag;
  const modified = res.headers['last-modified'];
  const length = res.headers['content-length'];
  const parts = [etag ? `etag ${etag}` : '', modified ? `modified ${modified}` : '', length ? `length ${length}` : ''].filter(Boolean);
  return {
    marker: parts.join('; ') || 'reachable',
    snapshot: { version: etag ?? null, size: length && /^\d+$/.test(length) ? Number(length) : null, updated: modified ?? null },
    note: parts.length ? undefined : 'the source sends no ETag, Last-Modified or Content-Length: only reachability is checked',
  };
}
