import { jsonBody, requireOk, UpstreamError } from './http-client.js';
import type { AdapterContext, Observation } from './types.js';

// Fields of PublishedProjectSerializer (physionet-build export/serializers.py), served at /api/v1/project/published/.
interface PhysioNetProject { slug: string; version: string; is_latest_version?: boolean; publish_date?: string | null; main_storage_size?: number | null; title?: string }

const versionKey = (v: string) => v.split('.').map((n) => n.padStart(8, '0')).join('.');

/** PhysioNet: the latest published version of a project, from the list of published projects (fetched once per run). */
export async function checkPhysionet(source: { project: string }, ctx: AdapterContext): Promise<Observation> {
  const url = `${ctx.base('physionet', 'https://physionet.org')}/api/v1/project/published/`;
  let list = ctx.memo.get(url) as Promise<PhysioNetProject[]> | undefined;
  if (!list) {
    list = ctx.http.request(url, { headers: { accept: 'application/json' } }).then((res) => {
      const body = jsonBody<PhysioNetProject[] | { results?: PhysioNetProject[] }>(requireOk(res));
      const items = Array.isArray(body) ? body : body?.results;
      if (!Array.isArray(items)) throw new UpstreamError('error', `unexpected PhysioNet project list shape from ${res.url}`);
      return items;
    });
    ctx.memo.set(url, list);
  }
  const versions = (await list).filter((p) => p && p.slug === source.project && typeof p.version === 'string');
  if (!versions.length) throw new UpstreamError('unreachable', `PhysioNet lists no published project "${source.project}"`);
  const latest = versions.find((p) => p.is_latest_version) ?? versions.sort((a, b) => versionKey(b.version).localeCompare(versionKey(a.version)))[0]!;
  return {
    marker: `${latest.slug} ${latest.version}`,
    snapshot: { version: latest.version, size: latest.main_storage_size ?? null, updated: latest.publish_date ?? null },
  };
}
