import { jsonBody, requireOk, UpstreamError } from './http-client.js';
import type { AdapterContext, Observation } from './types.js';

// Dataset object of the Kaggle public API (kaggle-api: /datasets/view/{ownerSlug}/{datasetSlug}).
interface KaggleDataset {
  ref?: string;
  lastUpdated?: string;
  currentVersionNumber?: number;
  totalBytes?: number;
  versions?: { versionNumber?: number; creationDate?: string }[];
  files?: { name?: string; totalBytes?: number }[];
}

/** Kaggle: the dataset's current version number and last update; credentials (KAGGLE_USERNAME/KAGGLE_KEY) are sent when configured. */
export async function checkKaggle(source: { dataset: string }, ctx: AdapterContext): Promise<Observation> {
  const [owner, slug] = source.dataset.split('/') as [string, string];
  const url = `${ctx.base('kaggle', 'https://www.kaggle.com')}/api/v1/datasets/view/${encodeURIComponent(owner)}/${encodeURIComponent(slug)}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (ctx.kaggle) headers.authorization = `Basic ${Buffer.from(`${ctx.kaggle.username}:${ctx.kaggle.key}`).toString('base64')}`;
  const res = await ctx.http.request(url, { headers });
  if (res.status === 401 || res.status === 403) {
    throw new UpstreamError('error', `Kaggle API refused the request (HTTP ${res.status})${ctx.kaggle ? '' : '; set KAGGLE_USERNAME and KAGGLE_KEY'}`);
  }
  const d = jsonBody<KaggleDataset>(requireOk(res));
  if (!d || typeof d !== 'object') throw new UpstreamError('error', `unexpected Kaggle dataset shape from ${res.url}`);
  const version = d.currentVersionNumber ?? Math.max(0, ...(d.versions ?? []).map((v) => v.versionNumber ?? 0));
  if (!version && !d.lastUpdated) throw new UpstreamError('error', `Kaggle dataset ${source.dataset}: no version number or lastUpdated in ${res.url}`);
  const files = d.files?.length ? Object.fromEntries(d.files.filter((f) => f.name).map((f) => [f.name!, `size:${f.totalBytes ?? '?'}`])) : null;
  return {
    marker: `version ${version || '?'}; updated ${d.lastUpdated ?? '?'}`,
    snapshot: { version: version ? String(version) : null, size: d.totalBytes ?? null, files, updated: d.lastUpdated ?? null },
  };
}
