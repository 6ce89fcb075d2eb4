// The only code in the browser app that calls fetch. Types come from contract/,
// the same schemas the server validates with.
import type { Card, DatasetDetail, DatasetList, DatasetSummary, ErrorBody, MirrorInfo, Stats, VocabulariesResponse } from '../../../contract/index.js';

export type { Card, DatasetDetail, DatasetList, DatasetSummary, MirrorInfo, Stats, VocabulariesResponse };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function request(path: string, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { signal, headers: { accept: 'application/json' } });
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
