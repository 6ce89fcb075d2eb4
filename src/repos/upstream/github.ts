import { jsonBody, requireOk, UpstreamError } from './http-client.js';
import type { AdapterContext, Observation } from './types.js';

// GitHub REST API 2022-11-28: "Get the latest release" and "List commits".
interface Release { tag_name?: string; published_at?: string; assets?: { name: string; size: number }[] }
interface Commit { sha?: string; commit?: { committer?: { date?: string } } }

const HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

function rateLimited(res: { status: number; headers: Record<string, string>; url: string }) {
  if (res.status === 403 && res.headers['x-ratelimit-remaining'] === '0') {
    throw new UpstreamError('unreachable', `GitHub API rate limit reached (${res.url})`);
  }
}

/** GitHub: the latest release tag, or the default branch's latest commit when the repository has no release. */
export async function checkGithub(source: { owner: string; repo: string }, ctx: AdapterContext): Promise<Observation> {
  const base = `${ctx.base('github', 'https://api.github.com')}/repos/${encodeURIComponent(source.owner)}/${encodeURIComponent(source.repo)}`;
  const rel = await ctx.http.request(`${base}/releases/latest`, { headers: HEADERS });
  rateLimited(rel);
  if (rel.status !== 404) {
    const r = jsonBody<Release>(requireOk(rel));
    if (!r?.tag_name) throw new UpstreamError('error', `unexpected GitHub release shape from ${rel.url}`);
    const files = Object.fromEntries((r.assets ?? []).map((a) => [a.name, `size:${a.size}`]));
    return {
      marker: `release ${r.tag_name}`,
      snapshot: { version: r.tag_name, files: r.assets?.length ? files : null, updated: r.published_at ?? null },
    };
  }
  const res = await ctx.http.request(`${base}/commits?per_page=1`, { headers: HEADERS });
  rateLimited(res);
  const commits = jsonBody<Commit[]>(requireOk(res));
  const head = Array.isArray(commits) ? commits[0] : undefined;
  if (!head?.sha) throw new UpstreamError('error', `unexpected GitHub commits shape from ${res.url}`);
  return {
    marker: `commit ${head.sha}`,
    snapshot: { version: `commit ${head.sha.slice(0, 12)}`, updated: head.commit?.committer?.date ?? null },
  };
}
