// The only code in the browser app that calls fetch. Types come from contract/,
// the same schemas the server validates with.
import type { Card, DatasetDetail, DatasetList, DatasetSummary, ErrorBody, MirrorInfo, Stats, VocabulariesResponse } from '../../../contract/index.js';

export type { Card, DatasetDetail, DatasetList, DatasetSummary, MirrorInfo, Stats, VocabulariesResponse };
import type { AudioPeaks, FileItem, FileList, Plane, SampleList, SignalData, Tree, VolumeInfo } from '../../../contract/index.js';

export type { AudioPeaks, FileItem, FileList, Plane, SampleList, SignalData, Tree, VolumeInfo };
import type { Selection, SelectionDataset, SelectionRequest } from '../../../contract/downloads.js';
import type { DatasetUpdates, LinkHealth, UpdateEvent, UpdateList } from '../../../contract/updates.js';
import type { VersionChange, VersionDetail, VersionList, VersionSummary } from '../../../contract/versions.js';

export type { VersionChange, VersionDetail, VersionList, VersionSummary };

export type { DatasetUpdates, LinkHealth, UpdateEvent, UpdateList };

export type { Selection, SelectionDataset, SelectionRequest };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function request(path: string, signal?: AbortSignal, init?: { method: string; body: string }): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { signal, headers: { accept: 'application/json', ...(init ? { 'content-type': 'application/json' } : {}) }, ...init });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The MedImg server cannot be reached. Check your connection and try again.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as ErrorBody | null;
    throw new ApiError(res.status, body?.error.code ?? 'http_error', body?.error.message ?? `The server answered ${res.status}.`);
  }
  return res;
}

const json = async <T>(path: string, signal?: AbortSignal) => (await (await request(path, signal)).json()) as T;

export const api = {
  datasets: (query: string, signal?: AbortSignal) => json<DatasetList>(`/api/v1/datasets${query ? `?${query}` : ''}`, signal),
  dataset: (slug: string, signal?: AbortSignal) => json<DatasetDetail>(`/api/v1/datasets/${encodeURIComponent(slug)}`, signal),
  stats: (signal?: AbortSignal) => json<Stats>('/api/v1/stats', signal),
  vocabularies: (signal?: AbortSignal) => json<VocabulariesResponse>('/api/v1/vocabularies', signal),
  bibtex: async (slug: string) => (await request(`/api/v1/datasets/${encodeURIComponent(slug)}/citation.bib`)).text(),
  bibtexUrl: (slug: string) => `/api/v1/datasets/${encodeURIComponent(slug)}/citation.bib`,
  croissantUrl: (slug: string) => `/api/v1/datasets/${encodeURIComponent(slug)}/croissant.json`,

  // Mirrored files and their previews (issue 5).
  files: (slug: string, query: string, signal?: AbortSignal) => json<FileList>(`/api/v1/datasets/${encodeURIComponent(slug)}/files${query ? `?${query}` : ''}`, signal),
  tree: (slug: string, path: string, signal?: AbortSignal) => json<Tree>(`/api/v1/datasets/${encodeURIComponent(slug)}/tree${path ? `?path=${encodeURIComponent(path)}` : ''}`, signal),
  samples: (slug: string, signal?: AbortSignal) => json<SampleList>(`/api/v1/datasets/${encodeURIComponent(slug)}/samples`, signal),
  file: (id: number, signal?: AbortSignal) => json<FileItem>(`/api/v1/files/${id}`, signal),
  volume: (id: number, signal?: AbortSignal) => json<VolumeInfo>(`/api/v1/files/${id}/volume`, signal),
  /** A signal downsampled to `points` per lead, over [start, end] seconds (the whole recording when not given). */
  signal: (id: number, r: { start?: number; end?: number; points: number }, signal?: AbortSignal) =>
    json<SignalData>(`/api/v1/files/${id}/signal?${r.start !== undefined && r.end !== undefined ? `start=${r.start}&end=${r.end}&` : ''}points=${r.points}`, signal),
  peaks: (id: number, points: number, signal?: AbortSignal) => json<AudioPeaks>(`/api/v1/files/${id}/peaks?points=${points}`, signal),
  rawUrl: (id: number) => `/api/v1/files/${id}/raw`,
  videoUrl: (id: number) => `/api/v1/files/${id}/video`,
  imageUrl: (id: number, wl?: { window: number; level: number }) => `/api/v1/files/${id}/image${wl ? `?window=${wl.window}&level=${wl.level}` : ''}`,
  sliceUrl: (id: number, o: { plane: Plane; index: number; window?: number; level?: number; mask?: boolean }) =>
    `/api/v1/files/${id}/slice?plane=${o.plane}&index=${o.index}${o.mask ? '&mask=1' : o.window !== undefined && o.level !== undefined ? `&window=${o.window}&level=${o.level}` : ''}`,
  /** The server's error for a binary endpoint (image, slice, video) that an <img> or <video> cannot show. */
  async probe(url: string, signal?: AbortSignal): Promise<ApiError | null> {
    const res = await fetch(url, { method: 'GET', signal, headers: { range: 'bytes=0-0' } }).catch(() => null);
    if (!res) return new ApiError(0, 'network', 'The MedImg server cannot be reached.');
    if (res.ok) { void res.body?.cancel(); return null; }
    const body = (await res.json().catch(() => null)) as ErrorBody | null;
    return new ApiError(res.status, body?.error.code ?? 'http_error', body?.error.message ?? `The server answered ${res.status}.`);
  },

  // Upstream update checks (issue 7).
  updates: (query: string, signal?: AbortSignal) => json<UpdateList>(`/api/v1/updates${query ? `?${query}` : ''}`, signal),

  // Downloads (issue 6): a selection of datasets and its download links; archive and manifest of one dataset.
  createSelection: async (body: SelectionRequest, signal?: AbortSignal) =>
    (await (await request('/api/v1/selections', signal, { method: 'POST', body: JSON.stringify(body) })).json()) as Selection,
  archiveUrl: (slug: string) => `/api/v1/datasets/${encodeURIComponent(slug)}/archive.zip`,
  manifestUrl: (slug: string) => `/api/v1/datasets/${encodeURIComponent(slug)}/manifest.tsv`,

  // Versions of a mirrored dataset (issue 7): history, one version's diff, and its manifest.
  versions: (slug: string, page: number, signal?: AbortSignal) => json<VersionList>(`/api/v1/datasets/${encodeURIComponent(slug)}/versions?page=${page}`, signal),
  version: (slug: string, n: number, query: string, signal?: AbortSignal) =>
    json<VersionDetail>(`/api/v1/datasets/${encodeURIComponent(slug)}/versions/${n}${query ? `?${query}` : ''}`, signal),

  /** Every dataset matching `query`, following pages of the maximum size. */
  async allDatasets(query = '', signal?: AbortSignal): Promise<DatasetSummary[]> {
    const items: DatasetSummary[] = [];
    for (let page = 1; ; page++) {
      const sep = query ? '&' : '';
      const res = await api.datasets(`${query}${sep}per_page=100&page=${page}`, signal);
      items.push(...res.items);
      if (items.length >= res.total || res.items.length === 0) return items;
    }
  },
};
