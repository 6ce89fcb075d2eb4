import { createHash } from 'node:crypto';
import { jsonBody, requireOk, UpstreamError } from './http-client.js';
import type { AdapterContext, Observation } from './types.js';

// Shape of GET /api/records/:id (test/fixtures/upstream/README.md says where it was read).
interface ZenodoFile { key?: string; filename?: string; size?: number; filesize?: number; checksum?: string }
interface ZenodoRecord {
  id?: number | string;
  modified?: string;
  updated?: string;
  metadata?: { version?: string; publication_date?: string };
  files?: ZenodoFile[] | { entries?: Record<string, ZenodoFile> };
}

/** Zenodo records API: the latest version of the record (versions/latest), its files and their checksums. */
export async function checkZenodo(source: { recordId: string }, ctx: AdapterContext): Promise<Observation> {
  const base = ctx.base('zenodo', 'https://zenodo.org');
  let res = await ctx.http.request(`${base}/api/records/${source.recordId}/versions/latest`, { headers: { accept: 'application/json' } });
  // Older records without version information answer 404 there: read the record itself.
  if (res.status === 404) res = await ctx.http.request(`${base}/api/records/${source.recordId}`, { headers: { accept: 'application/json' } });
  const rec = jsonBody<ZenodoRecord>(requireOk(res));
  if (rec === null || typeof rec !== 'object' || rec.id === undefined) throw new UpstreamError('error', `unexpected Zenodo record shape from ${res.url}`);
  const list = Array.isArray(rec.files) ? rec.files : Object.values(rec.files?.entries ?? {});
  const files: Record<string, string> = {};
  let size = 0;
  for (const f of list) {
    const name = f.key ?? f.filename;
    if (!name) continue;
    const bytes = f.size ?? f.filesize ?? 0;
    files[name] = f.checksum ?? `size:${bytes}`;
    size += bytes;
  }
  const digest = createHash('sha256').update(Object.entries(files).sort().map(([k, v]) => `${k}\t${v}`).join('\n')).digest('hex').slice(0, 16);
  return {
    marker: `record ${rec.id}; files ${digest}`,
    snapshot: { version: rec.metadata?.version ?? `record ${rec.id}`, size: list.length ? size : null, files, updated: rec.modified ?? rec.updated ?? null },
  };
}
