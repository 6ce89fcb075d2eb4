import { checkHttp } from './http-page.js';
import { jsonBody, requireOk, UpstreamError } from './http-client.js';
import type { AdapterContext, Observation } from './types.js';

// PublicChallengeSerializer of grand-challenge.org (app/grandchallenge/challenges/serializers.py).
interface Challenge { slug?: string; modified?: string | null; status?: string; title?: string }

/**
 * Grand Challenge: the challenge's `modified` time from /api/v1/challenges/{slug}/; when the
 * API refuses anonymous callers, the challenge page's own validators (HEAD) instead.
 */
export async function checkGrandChallenge(source: { challenge: string; url: string }, ctx: AdapterContext): Promise<Observation> {
  const url = `${ctx.base('grand-challenge', 'https://grand-challenge.org')}/api/v1/challenges/${encodeURIComponent(source.challenge)}/`;
  const res = await ctx.http.request(url, { headers: { accept: 'application/json' } });
  if (res.status === 401 || res.status === 403) {
    const page = await checkHttp({ url: source.url }, ctx);
    return { ...page, marker: `page ${page.marker}`, note: `challenge API answered HTTP ${res.status}; the page was checked instead` };
  }
  const c = jsonBody<Challenge>(requireOk(res));
  if (!c?.slug) throw new UpstreamError('error', `unexpected Grand Challenge shape from ${res.url}`);
  return {
    marker: `modified ${c.modified ?? '?'}; status ${c.status ?? '?'}`,
    snapshot: { version: c.status ?? null, updated: c.modified ?? null },
  };
}
