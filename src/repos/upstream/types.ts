import type { UpstreamSnapshot } from '../../domain/update-diff.js';
import type { HttpClient } from './http-client.js';

/** What an adapter read upstream. Adapters throw UpstreamError when they cannot read it. */
export interface Observation {
  /** The version marker compared between checks (ETag, record id + checksums, release tag, sha, ...). */
  marker: string;
  snapshot: UpstreamSnapshot;
  /** Something worth knowing about how the marker was obtained (e.g. no validators, page fallback). */
  note?: string;
}

export interface AdapterContext {
  http: HttpClient;
  /** Base URL of one kind's API: the configured override, else the public default. */
  base: (kind: string, fallback: string) => string;
  kaggle: { username: string; key: string } | null;
  /** Lives for one run of checks: responses shared by several datasets are fetched once. */
  memo: Map<string, Promise<unknown>>;
}
