import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, hugeBody, json, startFakeUpstream, status } from '../../../test/fixtures/upstream/server.js';
import { createHttpClient, type HttpClientOptions, jsonBody, parseRetryAfter, requireOk, UpstreamError } from './http-client.js';

let up: FakeUpstream;
beforeAll(async () => { up = await startFakeUpstream(); });
afterAll(async () => { await up.close(); });

/** A client whose clock only moves when it sleeps: spacing and backoff become exact numbers. */
function client(opts: Partial<HttpClientOptions> = {}) {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const sleeps: number[] = [];
  const http = createHttpClient({
    userAgent: 'MedImg/test (+http://127.0.0.1) update-check', hostSpacingMs: 0, retries: 2, backoffMs: 100,
    now: () => t, sleep: async (ms) => { sleeps.push(ms); t += ms; }, ...opts,
  });
  return { http, sleeps, now: () => t };
}

const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as UpstreamError;
  }
  throw new Error('expected a rejection');
};

describe('polite HTTP client', () => {
  it('sends the MedImg User-Agent and reads JSON', async () => {
    up.routes.set('/ok', json({ a: 1 }));
    const { http } = client();
    const res = await http.request(`${up.base}/ok`);
    expect(jsonBody(res)).toEqual({ a: 1 });
    expect(up.requests.at(-1)?.userAgent).toBe('MedImg/test (+http://127.0.0.1) update-check');
  });

  it('gives up on a server that never answers (timeout -> unreachable)', async () => {
    up.routes.set('/hang', () => { /* never answers */ });
    const { http } = client({ connectTimeoutMs: 300, retries: 1 });
    const err = await rejection(http.request(`${up.base}/hang`));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.status).toBe('unreachable');
    expect(err.message).toMatch(/no response .* within 300 ms/);
    expect(up.requests.filter((r) => r.url === '/hang')).toHaveLength(2);
  });

  it('returns a 404 as is; requireOk calls it unreachable', async () => {
    const { http } = client();
    const res = await http.request(`${up.base}/missing`);
    expect(res.status).toBe(404);
    expect(() => requireOk(res)).toThrow(/HTTP 404/);
    try { requireOk(res); } catch (err) { expect((err as UpstreamError).status).toBe('unreachable'); }
  });

  it('waits as long as Retry-After (seconds) says, then retries', async () => {
    let n = 0;
    up.routes.set('/limited', (req, res) => (n++ === 0 ? status(429, { 'retry-after': '7' })(req, res) : json({ ok: true })(req, res)));
    const { http, sleeps } = client();
    const res = await http.request(`${up.base}/limited`);
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([7000]);
  });

  it('understands Retry-After as an HTTP-date', async () => {
    let n = 0;
    const { http, sleeps, now } = client();
    const when = new Date(now() + 30_000).toUTCString();
    up.routes.set('/limited-date', (req, res) => (n++ === 0 ? status(503, { 'retry-after': when })(req, res) : json({ ok: true })(req, res)));
    expect((await http.request(`${up.base}/limited-date`)).status).toBe(200);
    expect(sleeps).toEqual([30_000]);
    expect(parseRetryAfter('garbage', 0)).toBeUndefined();
  });

  it('does not wait for a Retry-After beyond its cap: returns the 429', async () => {
    up.routes.set('/limited-long', status(429, { 'retry-after': '3600' }));
    const { http, sleeps } = client({ maxRetryAfterMs: 60_000 });
    const res = await http.request(`${up.base}/limited-long`);
    expect(res.status).toBe(429);
    expect(sleeps).toEqual([]);
    expect(() => requireOk(res)).toThrow(/rate limited; Retry-After 3600/);
  });

  it('retries a 500 with exponential backoff, then returns it', async () => {
    up.routes.set('/broken', status(500));
    const { http, sleeps } = client({ retries: 3 });
    const res = await http.request(`${up.base}/broken`);
    expect(res.status).toBe(500);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(up.requests.filter((r) => r.url === '/broken')).toHaveLength(4);
  });

  it('calls malformed JSON an error', async () => {
    up.routes.set('/bad-json', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"sha": "abc",'));
    const { http } = client();
    const err = await rejection(Promise.resolve().then(async () => jsonBody(await http.request(`${up.base}/bad-json`))));
    expect(err.status).toBe('error');
    expect(err.message).toMatch(/malformed JSON/);
  });

  it('stops a redirect loop', async () => {
    up.routes.set('/loop', status(302, { location: '/loop' }));
    const { http } = client({ maxRedirects: 5 });
    const err = await rejection(http.request(`${up.base}/loop`));
    expect(err.status).toBe('error');
    expect(err.message).toMatch(/too many redirects/);
    expect(up.requests.filter((r) => r.url === '/loop')).toHaveLength(6);
  });

  it('follows a relative redirect', async () => {
    up.routes.set('/moved', status(301, { location: '/ok' }));
    const { http } = client();
    const res = await http.request(`${up.base}/moved`);
    expect(res.url).toBe(`${up.base}/ok`);
    expect(res.status).toBe(200);
  });

  it('aborts a 500 MB body streamed without Content-Length soon after the cap', async () => {
    const huge = hugeBody(500 * 1024 * 1024, false);
    up.routes.set('/huge', huge.handler);
    const { http } = client({ maxBodyBytes: 1024 * 1024 });
    const before = process.memoryUsage().rss;
    const err = await rejection(http.request(`${up.base}/huge`));
    expect(err.status).toBe('error');
    expect(err.message).toMatch(/exceeds the 1048576-byte limit/);
    // The server produced far less than the body: the client hung up early (socket buffers allow a few MB).
    await new Promise((r) => setImmediate(r));
    expect(huge.sent()).toBeLessThan(64 * 1024 * 1024);
    console.log(`huge body: server sent ${(huge.sent() / 1048576).toFixed(1)} MiB of 500 MiB before the client aborted`);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('refuses a declared 500 MB Content-Length without reading it', async () => {
    const huge = hugeBody(500 * 1024 * 1024, true);
    up.routes.set('/huge-declared', huge.handler);
    const { http } = client({ maxBodyBytes: 1024 * 1024 });
    const err = await rejection(http.request(`${up.base}/huge-declared`));
    expect(err.message).toMatch(/524288000 bytes exceeds/);
    expect(huge.sent()).toBeLessThan(64 * 1024 * 1024);
  });

  it('spaces requests to one host', async () => {
    const { http, sleeps } = client({ hostSpacingMs: 1000 });
    for (let i = 0; i < 3; i++) await http.request(`${up.base}/ok`);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    up.routes.set('/slow', (req, res) => { setTimeout(() => json({ ok: true })(req, res), 30); });
    const { http } = client({ concurrency: 2 });
    up.resetPeak();
    await Promise.all(Array.from({ length: 8 }, () => http.request(`${up.base}/slow`)));
    expect(up.requests.filter((r) => r.url === '/slow')).toHaveLength(8);
    expect(up.maxInFlight()).toBe(2);
  });
});
