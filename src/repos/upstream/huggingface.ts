import { jsonBody, requireOk, UpstreamError } from './http-client.js';
import type { AdapterContext, Observation } from './types.js';

// GET /api/datasets/{repo_id} of the Hugging Face Hub (fields of huggingface_hub DatasetInfo).
interface HfDataset { id?: string; sha?: string; lastModified?: string; siblings?: { rfilename: string; size?: number }[] }

/** Hugging Face Hub: the dataset repository's commit sha and last modification. */
export async function checkHuggingface(source: { dataset: string }, ctx: AdapterContext): Promise<Observation> {
  const [owner, name] = source.dataset.split('/') as [string, string];
  const url = `${ctx.base('huggingface', 'https://huggingface.co')}/api/datasets/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  const res = await ctx.http.request(url, { headers: { accept: 'application/json' } });
  // Gated or private datasets answer 401 to anonymous callers.
  if (res.status === 401) throw new UpstreamError('error', `Hugging Face refused anonymous access to ${source.dataset} (HTTP 401: gated or private)`);
  const d = jsonBody<HfDataset>(requireOk(res));
  if (!d?.sha) throw new UpstreamError('error', `unexpected Hugging Face dataset shape from ${res.url}`);
  const files = d.siblings ? Object.fromEntries(d.siblings.map((s) => [s.rfilename, s.size === undefined ? 'listed' : `size:${s.size}`])) : null;
  return {
    marker: `sha ${d.sha}; modified ${d.lastModified ?? '?'}`,
    snapshot: { version: d.sha.slice(0, 12), files, updated: d.lastModified ?? null },
  };
}
