import { diffSnapshots, type UpdateDetails, type UpstreamSnapshot } from '../../domain/update-diff.js';
import type { UpdateSource } from '../../domain/update-source.js';
import { checkGithub } from './github.js';
import { checkGrandChallenge } from './grand-challenge.js';
import { createHttpClient, type HttpClientOptions, UpstreamError } from './http-client.js';
import { checkHttp } from './http-page.js';
import { checkHuggingface } from './huggingface.js';
import { checkKaggle } from './kaggle.js';
import { checkPhysionet } from './physionet.js';
import type { AdapterContext, Observation } from './types.js';
import { checkZenodo } from './zenodo.js';

export type CheckStatus = 'unchanged' | 'changed' | 'unreachable' | 'error';
export interface UpstreamCheck {
  status: CheckStatus;
  reason?: string;
  /** Null when the upstream could not be read. */
  marker: string | null;
  snapshot: UpstreamSnapshot | null;
  details: UpdateDetails | null;
}

function observe(source: UpdateSource, ctx: AdapterContext): Promise<Observation> {
  switch (source.kind) {
    case 'http': return checkHttp(source, ctx);
    case 'zenodo': return checkZenodo(source, ctx);
    case 'physionet': return checkPhysionet(source, ctx);
    case 'github': return checkGithub(source, ctx);
    case 'huggingface': return checkHuggingface(source, ctx);
    case 'kaggle': return checkKaggle(source, ctx);
    case 'grand-challenge': return checkGrandChallenge(source, ctx);
  }
}

export interface UpstreamOptions {
  http: HttpClientOptions;
  bases?: Readonly<Record<string, string>>;
  kaggle?: { username: string; key: string } | null;
}

/** The outbound side of the update checks: one polite HTTP client shared by every adapter. */
export function createUpstreamRepo(opts: UpstreamOptions) {
  const http = createHttpClient(opts.http);
  return {
    /** A context for one run: responses several datasets share are fetched once per run. */
    newRun(): AdapterContext {
      return { http, base: (kind, fallback) => opts.bases?.[kind] ?? fallback, kaggle: opts.kaggle ?? null, memo: new Map() };
    },
    /** Reads the upstream and compares it with the previous marker. Never throws for upstream trouble. */
    async check(source: UpdateSource, previous: { marker: string; snapshot: UpstreamSnapshot | null } | null, ctx: AdapterContext): Promise<UpstreamCheck> {
      try {
        const obs = await observe(source, ctx);
        const changed = previous !== null && previous.marker !== obs.marker;
        return {
          status: changed ? 'changed' : 'unchanged',
          reason: obs.note,
          marker: obs.marker,
          snapshot: obs.snapshot,
          details: changed ? diffSnapshots(previous.snapshot, obs.snapshot) : null,
        };
      } catch (err) {
        if (err instanceof UpstreamError) return { status: err.status, reason: err.message, marker: null, snapshot: null, details: null };
        return { status: 'error', reason: `adapter failed: ${(err as Error).message ?? String(err)}`, marker: null, snapshot: null, details: null };
      }
    },
  };
}
export type UpstreamRepo = ReturnType<typeof createUpstreamRepo>;
