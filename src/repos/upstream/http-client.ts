import http from 'node:http';
import https from 'node:https';

/** Polite outbound HTTP for the update checks: one instance per run or per process. */
export interface HttpClientOptions {
  userAgent: string;
  /** Requests in flight at once, over all hosts. */
  concurrency?: number;
  /** Minimum time between two requests to the same host. */
  hostSpacingMs?: number;
  /** Until the response headers arrive (connect, TLS, server think time). */
  connectTimeoutMs?: number;
  /** Whole exchange including the body. */
  totalTimeoutMs?: number;
  /** Extra attempts after a network error, 429, 500, 502, 503 or 504. */
  retries?: number;
  /** First backoff; doubled on each retry. */
  backoffMs?: number;
  /** A Retry-After longer than this is not waited for: the check gives up instead. */
  maxRetryAfterMs?: number;
  maxRedirects?: number;
  /** Bodies larger than this are never read whole: the stream is aborted past it. */
  maxBodyBytes?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Final URL after redirects. */
  url: string;
  body: Buffer;
}

/** Why an exchange failed: `unreachable` (network, timeout) or `error` (the upstream answered something unusable). */
export class UpstreamError extends Error {
  constructor(readonly status: 'unreachable' | 'error', message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** RFC 9110 section 10.2.3: Retry-After is delay-seconds or an HTTP-date. Returns milliseconds, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function createHttpClient(opts: HttpClientOptions) {
  const o = {
    concurrency: 4, hostSpacingMs: 1000, connectTimeoutMs: 15_000, totalTimeoutMs: 60_000, retries: 2, backoffMs: 1000,
    maxRetryAfterMs: 120_000, maxRedirects: 5, maxBodyBytes: 16 * 1024 * 1024,
    now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), ...opts,
  };
  let active = 0;
  const waiting: (() => void)[] = [];
  const nextSlot = new Map<string, number>();

  async function acquire(host: string): Promise<() => void> {
    // A released slot is handed straight to the next waiter, so `active` never exceeds the bound.
    if (active >= o.concurrency) await new Promise<void>((r) => waiting.push(r));
    else active++;
    // Reserve this host's next slot before waiting, so concurrent callers queue behind each other.
    const at = Math.max(o.now(), nextSlot.get(host) ?? 0);
    nextSlot.set(host, at + o.hostSpacingMs);
    const wait = at - o.now();
    if (wait > 0) await o.sleep(wait);
    return () => {
      const next = waiting.shift();
      if (next) next();
      else active--;
    };
  }

  /** One exchange, no redirects or retries. Rejects with UpstreamError. */
  function exchange(url: URL, method: string, headers: Record<string, string>, headersOnly: boolean): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const lib = url.protocol === 'https:' ? https : http;
      let settled = false;
      const fail = (status: 'unreachable' | 'error', message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(totalTimer);
        req.destroy();
        reject(new UpstreamError(status, message));
      };
      const req = lib.request(url, { method, headers: { 'user-agent': o.userAgent, 'accept-encoding': 'identity', ...headers } }, (res) => {
        clearTimeout(connectTimer);
        const status = res.statusCode ?? 0;
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        // Redirects and retried statuses are not read: their bodies are irrelevant.
        if (method === 'HEAD' || headersOnly || REDIRECTS.has(status) || RETRY_STATUSES.has(status)) {
          // A GET whose body is not wanted is cut off after the headers instead of drained.
          if (headersOnly || method !== 'HEAD') res.destroy(); else res.resume();
          settled = true;
          clearTimeout(totalTimer);
          resolve({ status, headers: flat, url: url.href, body: Buffer.alloc(0) });
          return;
        }
        const declared = Number(flat['content-length']);
        if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
          res.destroy();
          return fail('error', `response body of ${declared} bytes exceeds the ${o.maxBodyBytes}-byte limit (${url.host})`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBodyBytes) {
            res.destroy();
            fail('error', `response body exceeds the ${o.maxBodyBytes}-byte limit (${url.host}); stopped reading`);
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(totalTimer);
          resolve({ status, headers: flat, url: url.href, body: Buffer.concat(chunks) });
        });
        res.on('error', (err) => fail('unreachable', `${url.host}: ${err.message}`));
      });
      const connectTimer = setTimeout(() => fail('unreachable', `no response from ${url.host} within ${o.connectTimeoutMs} ms`), o.connectTimeoutMs);
      const totalTimer = setTimeout(() => fail('unreachable', `${url.host} did not finish within ${o.totalTimeoutMs} ms`), o.totalTimeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => fail('unreachable', `${url.host}: ${err.code ?? err.message}`));
      req.end();
    });
  }

  return {
    userAgent: o.userAgent,
    /**
     * GET or HEAD with redirects followed (up to maxRedirects), retries with exponential
     * backoff on network errors and 429/5xx, Retry-After respected up to its cap. A final
     * 4xx/5xx is returned, not thrown: the adapter decides what it means.
     */
    async request(rawUrl: string, init: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; headersOnly?: boolean } = {}): Promise<HttpResponse> {
      const method = init.method ?? 'GET';
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        throw new UpstreamError('error', `not a URL: ${rawUrl}`);
      }
      let redirects = 0;
      let attempt = 0;
      for (;;) {
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UpstreamError('error', `unsupported protocol ${url.protocol}`);
        const release = await acquire(url.host);
        let res: HttpResponse | undefined;
        let netErr: UpstreamError | undefined;
        try {
          res = await exchange(url, method, init.headers ?? {}, init.headersOnly ?? false);
        } catch (err) {
          if (!(err instanceof UpstreamError) || err.status === 'error') throw err;
          netErr = err;
        } finally {
          release();
        }
        if (res && REDIRECTS.has(res.status) && res.headers.location) {
          if (++redirects > o.maxRedirects) throw new UpstreamError('error', `too many redirects (more than ${o.maxRedirects}) from ${rawUrl}`);
          url = new URL(res.headers.location, url);
          continue;
        }
        if (res && !RETRY_STATUSES.has(res.status)) return res;
        if (attempt >= o.retries) {
          if (netErr) throw netErr;
          return res!;
        }
        let delay = o.backoffMs * 2 ** attempt;
        const retryAfter = parseRetryAfter(res?.headers['retry-after'], o.now());
        if (retryAfter !== undefined) {
          // Asked to wait longer than we are willing to: stop here rather than hammer or hang.
          if (retryAfter > o.maxRetryAfterMs) return res!;
          delay = Math.max(delay, retryAfter);
        }
        attempt++;
        await o.sleep(delay);
      }
    },
  };
}
export type HttpClient = ReturnType<typeof createHttpClient>;

/** Parses a JSON body, or throws an `error` naming the URL. */
export function jsonBody<T>(res: HttpResponse): T {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new UpstreamError('error', `malformed JSON from ${res.url}`);
  }
}

/** The common reading of a final status: 404/410 and 5xx mean the source is unreachable; other non-2xx are errors. */
export function requireOk(res: HttpResponse): HttpResponse {
  if (res.status >= 200 && res.status < 300) return res;
  const what = `HTTP ${res.status} from ${res.url}`;
  if (res.status === 404 || res.status === 410 || res.status >= 500) throw new UpstreamError('unreachable', what);
  if (res.status === 429) throw new UpstreamError('unreachable', `${what} (rate limited${res.headers['retry-after'] ? `; Retry-After ${res.headers['retry-after']}` : ''})`);
  throw new UpstreamError('error', what);
}
