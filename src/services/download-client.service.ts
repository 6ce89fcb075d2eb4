import { createHash, type Hash } from 'node:crypto';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { MANIFEST_HEADER, type ManifestLine, Selection } from '../../contract/downloads.js';
import { SLUG_PATTERN } from '../../contract/card.js';
import { AppError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { type HttpDownloadRepo, NetworkError } from '../repos/http-download.repo.js';

const SELECTION_ID = /^[0-9a-f]{24}$/;
const MAX_MANIFEST_BYTES = 512 * 2 ** 20;

export interface Refused { line: number; path: string; reason: string }
export interface Failed { path: string; reason: string }
export interface NotMirrored { slug: string; source_url: string | null; source_command: string | null }
export interface Manifest { url: string; entries: ManifestLine[]; refused: Refused[] }
export interface Progress {
  bytesDone: number; bytesTotal: number; filesDone: number; filesTotal: number; failed: number;
  /** Bytes received over the network in this run, and when it started (for the rate). */
  received: number; startedAt: number;
}
export interface DownloadReport {
  files: number; bytes: number;
  /** Downloaded and verified in this run. */
  downloaded: number;
  /** Already present with the right size and SHA-256. */
  present: number;
  /** Present but corrupt (wrong size or SHA-256), so fetched again. */
  repaired: string[];
  failed: Failed[];
  refused: Refused[];
}

/** Why a manifest path may not be written under the output folder, or null when it is safe. */
export function unsafePathReason(path: string, outRoot: string): string | null {
  if (path === '') return 'empty path';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/') || isAbsolute(path) || /^[A-Za-z]:/.test(path)) return 'is an absolute path';
  const parts = path.split('/');
  if (parts.includes('..')) return 'contains ".."';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or "." segment';
  const target = resolve(outRoot, path);
  if (!target.startsWith(outRoot + sep)) return 'resolves outside the output folder';
  return null;
}

/** Parses manifest.tsv; lines that are malformed or unsafe are refused (and reported), the rest kept. */
export function parseManifest(text: string, manifestUrl: string, outRoot: string): Manifest {
  const lines = text.split('\n');
  if (lines[0]?.replace(/\r$/, '') !== MANIFEST_HEADER.join('\t')) {
    throw new InvalidInputError(`${manifestUrl} is not a MedImg manifest (first line must be "${MANIFEST_HEADER.join('\\t')}")`, 'bad_manifest');
  }
  const entries: ManifestLine[] = [];
  const refused: Refused[] = [];
  const seen = new Set<string>();
  lines.slice(1).forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    const cols = line.split('\t');
    const path = cols[1] ?? '';
    const refuse = (reason: string) => refused.push({ line: i + 2, path, reason });
    if (cols.length !== 4) return refuse(`has ${cols.length} columns instead of 4`);
    let url: URL;
    try {
      url = new URL(cols[0]!, manifestUrl);
    } catch {
      return refuse('has no valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('URL is not http(s)');
    if (!/^\d{1,16}$/.test(cols[2]!) || !Number.isSafeInteger(Number(cols[2]))) return refuse('size is not a byte count');
    if (!/^[0-9a-f]{64}$/.test(cols[3]!)) return refuse('sha256 is not 64 lowercase hex digits');
    const unsafe = unsafePathReason(path, outRoot);
    if (unsafe) return refuse(unsafe);
    if (seen.has(path) || path.endsWith('.part')) return refuse(seen.has(path) ? 'is listed twice' : 'ends in .part (reserved for partial downloads)');
    seen.add(path);
    entries.push({ url: url.href, path, size: Number(cols[2]), sha256: cols[3]! });
  });
  return { url: manifestUrl, entries, refused };
}

/** An HTTP answer that retrying may fix (5xx, 429, a cut connection) or not (404...). */
class Attempt extends Error {
  constructor(message: string, readonly retry: boolean, readonly fromScratch = false) {
    super(message);
  }
}

export function createDownloadClientService(deps: { http: HttpDownloadRepo; sleep?: (ms: number) => Promise<void>; retries?: number; backoffMs?: number }) {
  const { http } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retries = deps.retries ?? 5;
  const backoffMs = deps.backoffMs ?? 500;

  const serverMessage = (text: string) => {
    try {
      return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? null;
    } catch {
      return null;
    }
  };

  async function fetchText(url: string, server: string) {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await http.getText(url, MAX_MANIFEST_BYTES);
        if (res.status < 500 || attempt >= 2) return res;
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err;
        throw new AppError('invalid_input', 'server_unreachable', `cannot reach the MedImg server at ${server} (${err.message}); is it running? Set it with --server URL or MEDIMG_SERVER.`);
      }
      await sleep(backoffMs * 2 ** attempt);
    }
  }

  /** Best effort: the datasets of a selection this server does not hold, with their source. */
  async function notMirrored(url: string): Promise<NotMirrored[]> {
    try {
      const res = await http.getText(url, 64 * 2 ** 20);
      const sel = res.status === 200 ? Selection.safeParse(JSON.parse(res.text)) : null;
      return sel?.success ? sel.data.datasets.filter((d) => !d.mirrored).map(({ slug, source_url, source_command }) => ({ slug, source_url, source_command })) : [];
    } catch {
      return [];
    }
  }

  /** The manifest of a dataset (optionally a subset) or of a selection, from the server. */
  async function manifest(opts: { server: string; target: string; out: string; path?: string; label?: string }): Promise<Manifest & { kind: 'dataset' | 'selection'; notMirrored: NotMirrored[] }> {
    let base: URL;
    try {
      base = new URL(opts.server.endsWith('/') ? opts.server : `${opts.server}/`);
    } catch {
      throw new InvalidInputError(`--server must be an http(s) URL, got "${opts.server}"`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new InvalidInputError(`--server must be an http(s) URL, got "${opts.server}"`);
    const { target } = opts;
    const isSelection = SELECTION_ID.test(target);
    const isSlug = target.length <= 80 && SLUG_PATTERN.test(target);
    if (!isSelection && !isSlug) throw new InvalidInputError(`"${target}" is neither a dataset slug (like chest-xray-pneumonia) nor a selection id (24 hex digits)`);
    const subset = new URLSearchParams();
    if (opts.path !== undefined) subset.set('path', opts.path);
    if (opts.label !== undefined) subset.set('label', opts.label);
    const q = subset.size ? `?${subset}` : '';
    const candidates: { kind: 'dataset' | 'selection'; url: string }[] = [];
    if (isSelection && !q) candidates.push({ kind: 'selection', url: new URL(`api/v1/selections/${target}/manifest.tsv`, base).href });
    if (isSlug) candidates.push({ kind: 'dataset', url: new URL(`api/v1/datasets/${target}/manifest.tsv${q}`, base).href });
    let last = '';
    for (const c of candidates) {
      const res = await fetchText(c.url, opts.server);
      if (res.status === 200) {
        const parsed = parseManifest(res.text, c.url, opts.out);
        return { kind: c.kind, ...parsed, notMirrored: c.kind === 'selection' ? await notMirrored(new URL(`api/v1/selections/${target}`, base).href) : [] };
      }
      const msg = serverMessage(res.text);
      if (res.status === 404) {
        last = msg ?? `${c.url} was not found`;
        continue;
      }
      if (res.status >= 400 && res.status < 500) throw new InvalidInputError(`the server refused the request: ${msg ?? `HTTP ${res.status}`}`);
      throw new AppError('invalid_input', 'server_error', `the server answered HTTP ${res.status} for ${c.url}${msg ? `: ${msg}` : ''}`);
    }
    const note = isSelection && q ? ' (--path and --label apply to a dataset, not to a selection)' : '';
    throw new NotFoundError(candidates.length > 1 ? `no selection or dataset "${target}" on ${opts.server}${note}` : `${last} (on ${opts.server})${note}`);
  }

  /** Downloads one file into `<final>.part`, resuming what is there, and renames it once size and SHA-256 match. */
  async function fetchOne(e: ManifestLine, final: string, count: (n: number, received: boolean) => void): Promise<'downloaded'> {
    const part = `${final}.part`;
    let scratch = false;
    let counted = 0;
    const add = (n: number, received: boolean) => { counted += n; count(n, received); };
    const reset = () => { count(-counted, false); counted = 0; };
    for (let attempt = 0; ; attempt++) {
      try {
        const st = await http.pathState(part);
        if (st.kind === 'other') throw new Attempt(`${part} exists and is not a regular file`, false);
        let have = st.kind === 'file' && !scratch ? st.size : 0;
        if (have > e.size) have = 0;
        let hash: Hash = createHash('sha256');
        reset();
        // On resume, hash the part already on disk first: the digest covers the whole file.
        if (have > 0) await http.readChunks(part, (c) => { hash.update(c); add(c.length, false); });
        if (have > 0 && have === e.size) {
          if (hash.digest('hex') === e.sha256) return finish(part, final);
          await http.remove(part);
          have = 0;
          hash = createHash('sha256');
          reset();
        }
        // If-Range with the manifest's hash (the server's strong ETag): a changed file comes back whole (200).
        const res = await http.get(e.url, have > 0 ? { range: `bytes=${have}-`, 'if-range': `"${e.sha256}"` } : {});
        const range = res.status === 206 ? /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '') : null;
        if (res.status === 200 || (res.status === 206 && range && Number(range[1]) === have)) {
          if (res.status === 200) {
            have = 0;
            hash = createHash('sha256');
            reset();
          }
          const w = await http.openWriter(part, have > 0);
          let got = have;
          try {
            for await (const chunk of res.chunks) {
              got += chunk.length;
              if (got > e.size) throw new Attempt(`the server sent more than the ${e.size} bytes in the manifest`, false, true);
              hash.update(chunk);
              await w.write(chunk);
              add(chunk.length, true);
            }
          } finally {
            await w.close();
          }
          if (got < e.size) throw new Attempt(`the connection ended after ${got} of ${e.size} bytes`, true);
          const sum = hash.digest('hex');
          if (sum === e.sha256) return finish(part, final);
          await http.remove(part);
          reset();
          // A resumed part may have carried bad bytes: one more try from scratch tells them apart.
          throw new Attempt(`SHA-256 mismatch: got ${sum}, expected ${e.sha256}`, have > 0 && !scratch, true);
        }
        await res.cancel();
        if (res.status === 206 || res.status === 416) {
          await http.remove(part);
          throw new Attempt(`the server answered ${res.status} to a resume request`, true, true);
        }
        throw new Attempt(`HTTP ${res.status}`, res.status >= 500 || res.status === 429 || res.status === 408);
      } catch (err) {
        const a = err instanceof Attempt ? err : err instanceof NetworkError ? new Attempt(err.message, true) : null;
        if (!a) throw err;
        if (a.fromScratch) scratch = true;
        if (!a.retry || attempt >= retries) {
          reset();
          throw a;
        }
        await sleep(Math.min(30_000, backoffMs * 2 ** attempt));
      }
    }
  }

  async function finish(part: string, final: string): Promise<'downloaded'> {
    await http.rename(part, final);
    return 'downloaded';
  }

  /**
   * Fetches every manifest entry into `out` with `jobs` parallel downloads. A file
   * already there with the right size and SHA-256 is kept; a corrupt one is fetched again.
   */
  async function download(m: Manifest, opts: { out: string; jobs: number; onProgress?: (p: Progress) => void }): Promise<DownloadReport> {
    const outReal = await http.makeParent(resolve(opts.out, 'x')).catch((err: NodeJS.ErrnoException) => {
      throw new InvalidInputError(`cannot create the output folder ${opts.out}: ${err.code ?? err.message}`);
    });
    const p: Progress = {
      bytesDone: 0, bytesTotal: m.entries.reduce((s, e) => s + e.size, 0), filesDone: 0, filesTotal: m.entries.length, failed: 0,
      received: 0, startedAt: Date.now(),
    };
    const report: DownloadReport = { files: m.entries.length, bytes: p.bytesTotal, downloaded: 0, present: 0, repaired: [], failed: [], refused: m.refused };
    const count = (n: number, received: boolean) => {
      p.bytesDone += n;
      if (received) p.received += n;
      opts.onProgress?.(p);
    };

    // Each folder is made and resolved once per run (files of a folder come together).
    const parents = new Map<string, Promise<string>>();
    const parentOf = (file: string) => {
      const dir = dirname(file);
      let made = parents.get(dir);
      if (!made) {
        made = http.makeParent(file);
        parents.set(dir, made);
        made.catch(() => parents.delete(dir));
      }
      return made;
    };

    async function one(e: ManifestLine) {
      const final = resolve(opts.out, e.path);
      const dir = await parentOf(final);
      // A folder symlinked out of the output folder must not carry a file outside it.
      if (dir !== outReal && !dir.startsWith(outReal + sep)) throw new Attempt('its folder resolves outside the output folder (symlink)', false);
      const st = await http.pathState(final);
      if (st.kind === 'other') throw new Attempt('a folder or symlink is in the way', false);
      if (st.kind === 'file') {
        if (st.size === e.size && (await http.sha256(final)) === e.sha256) {
          await http.remove(`${final}.part`);
          count(e.size, false);
          report.present++;
          return;
        }
        report.repaired.push(e.path);
        await http.remove(final);
      }
      await fetchOne(e, final, count);
      report.downloaded++;
    }

    let next = 0;
    const worker = async () => {
      while (next < m.entries.length) {
        const e = m.entries[next++]!;
        try {
          await one(e);
        } catch (err) {
          p.failed++;
          report.failed.push({ path: e.path, reason: err instanceof Error ? err.message : String(err) });
        }
        p.filesDone++;
        opts.onProgress?.(p);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, m.entries.length)) }, worker));
    report.failed.sort((a, b) => (a.path < b.path ? -1 : 1));
    return report;
  }

  return { manifest, download };
}
export type DownloadClientService = ReturnType<typeof createDownloadClientService>;
