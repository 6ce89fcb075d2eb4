// A deterministic ZIP archive of any number of entries planned page by page, so that
// neither planning nor streaming holds the whole entry list: memory is bounded by the page
// size whatever the number of files. The planning pass reads every page once and keeps one
// small record per page (where its local headers and central headers start, and a
// fingerprint of its entries); producing any byte range then reads only the pages it
// touches again, and refuses a page whose entries are no longer what was planned.
import { crc32 } from 'node:zlib';
import { centralHeader, centralHeaderLen, endRecords, isSafeEntryName, localHeader, localHeaderLen, MAX16, MAX32, writeCentralHeaderOf, writeLocalHeaderOf } from './zip.js';
import { type FilePage, lastPath, pathAt } from './file-page.js';
import { Fingerprint, isSafeSubPath, utf8Length } from './zip-fingerprint.js';

export interface PlanEntry {
  /** Full name inside the archive. */
  name: string;
  size: number;
  crc32: number;
}

/** An entry whose content is made here: fixed bytes, or a header line plus lines (UTF-8) for each page of files. */
export type Trailer =
  | { name: string; altName: string; bytes: Uint8Array }
  | { name: string; altName: string; header: string; lines: (page: FilePage) => Uint8Array };

/** One group of the archive: files paged from an index in archive order, then its trailers. */
export interface ArchiveGroup {
  /** What every entry name of the group starts with (`<slug>/`): a file's name is this and its path. */
  prefix: string;
  /** At most `limit` files after the path `after` (null: from the first). */
  page(after: string | null, limit: number): Promise<FilePage>;
  /** Each trailer is stored under `name`, or under `altName` when a file already uses `name`. */
  trailers: Trailer[];
}

/**
 * `length` bytes of the content of a file of group `group` from `offset`, preceded by `head` (its
 * whole local header) when the range holds all of it and some content.
 */
export interface FilePiece extends PlanEntry { kind: 'file'; group: number; path: string; mtimeMs: number; offset: number; length: number; head: Uint8Array | undefined }
/**
 * Whole files `from` to `to` (exclusive) of an index page of group `group` (entry names: `prefix`
 * and the path), each preceded by its
 * local header (`localHeaderLen(nameLens[k], files.sizes[k])` bytes): the headers one after the
 * other are heads[headFrom, headTo). One piece for a stretch of small files instead of one each.
 */
export interface RunPiece { kind: 'run'; group: number; prefix: string; files: FilePage; nameLens: Uint32Array; from: number; to: number; heads: Uint8Array; headFrom: number; headTo: number }
/** What a byte range is made of: literal bytes, part of a file, or a run of whole small files. */
export type PlanPiece = { kind: 'bytes'; bytes: Uint8Array } | FilePiece | RunPiece;

interface Span { start: number; length: number; cdStart: number; cdLength: number }
interface RowPage extends Span {
  kind: 'rows';
  group: number;
  after: string | null;
  count: number;
  fingerprint: string;
  /** Bytes of this page's lines in each line trailer (0 for the others): pages before a range are skipped unread. */
  lineBytes: number[];
  /** Bytes of its local headers. */
  headerBytes: number;
}
interface TrailerBlock extends Span { kind: 'trailers'; group: number; entries: (PlanEntry & { headerOffset: number; nameLen: number; trailer: number })[] }
type Block = RowPage | TrailerBlock;

export interface ZipPlan {
  total: number;
  entries: number;
  /** A digest input that changes whenever any entry's name, size or CRC-32 does. */
  fingerprint: string;
  /**
   * Bytes [start, end) as pieces, in order, a batch (at most a page, ~256 pieces) at a time. Whole
   * files of at most `runMax` bytes whose local header is in the range come as runs (one piece for
   * each stretch of them in a page); with runMax 0 (the default) every file is a piece of its own.
   */
  pieces(start: number, end: number, runMax?: number): AsyncGenerator<PlanPiece[]>;
}

export class StalePlanError extends Error {}

const utf8 = new TextEncoder();
const CACHED_PAGES = 16;
const PIECES_PER_BATCH = 256;

/**
 * A page of files as the plan keeps it: the index page (one string and typed arrays), the UTF-8
 * length of each entry name, and each line trailer's lines (MANIFEST.tsv) as UTF-8, made once per
 * read of the page. A plan's cached pages are a few dozen objects, none per file.
 */
interface Page {
  files: FilePage;
  nameLens: Uint32Array;
  /** Per trailer: its lines for these files (empty for trailers of fixed bytes). */
  lines: Uint8Array[];
  fingerprint: string;
  /** Names of the group's trailers that files of this page have (they take their other names). */
  takes: string[];
  /** The files' local headers one after the other, made when the page is first streamed. */
  heads?: Uint8Array;
}

const NO_LINES = new Uint8Array(0);

/** Paths that would have the name of one of the group's trailers. */
const trailerPaths = (group: ArchiveGroup) =>
  new Set(group.trailers.filter((t) => t.name.startsWith(group.prefix)).map((t) => t.name.slice(group.prefix.length)));

/** The page of `files`; throws on an entry no archive may hold. */
function pageOf(group: ArchiveGroup, files: FilePage, trailers = trailerPaths(group)): Page {
  const nameLens = new Uint32Array(files.count);
  const takes: string[] = [];
  const { text, pathStart, pathEnd } = files;
  const prefixLen = utf8Length(group.prefix);
  // A path is looked up among the trailers' only when its length is one of theirs.
  const trailerLens = new Set([...trailers].map((t) => t.length));
  const fp = new Fingerprint();
  fp.add(group.prefix);
  // Names are the prefix and the path: the prefix is checked once, each path as a range of the text.
  if (!isSafeEntryName(`${group.prefix}x`) || !group.prefix.endsWith('/')) throw new Error(`Unsafe zip entry prefix: ${JSON.stringify(group.prefix)}`);
  for (let k = 0; k < files.count; k++) {
    const start = pathStart[k]!;
    const end = pathEnd[k]!;
    const size = files.sizes[k]!;
    if (!isSafeSubPath(text, start, end)) throw new Error(`Unsafe zip entry name: ${JSON.stringify(group.prefix + text.slice(start, end))}`);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`Bad size for ${group.prefix}${text.slice(start, end)}`);
    const nameLen = prefixLen + utf8Length(text, start, end);
    if (nameLen > MAX16) throw new Error(`Zip entry name too long: ${(group.prefix + text.slice(start, end)).slice(0, 80)}…`);
    fp.add(text, start, end);
    fp.num(size);
    fp.num(files.crcs[k]!);
    if (trailerLens.has(end - start) && trailers.has(text.slice(start, end))) takes.push(group.prefix + text.slice(start, end));
    nameLens[k] = nameLen;
  }
  const lines = group.trailers.map((t) => ('lines' in t ? t.lines(files) : NO_LINES));
  return { files, nameLens, lines, fingerprint: fp.digest(), takes };
}

/** Every file's local header, one after the other. */
function localHeads(prefix: string, page: Page, headerBytes: number): Uint8Array {
  const { files } = page;
  const heads = new Uint8Array(headerBytes);
  const name = utf8.encode(prefix);
  for (let k = 0, hp = 0; k < files.count; k++) {
    hp = writeLocalHeaderOf(heads, hp, name, files.text, files.pathStart[k]!, files.pathEnd[k]!, files.sizes[k]!, files.crcs[k]!);
  }
  return heads;
}

/** File k of a page as a piece (offset and length to be set). */
const pieceOf = (group: number, prefix: string, p: FilePage, k: number): FilePiece => {
  const path = pathAt(p, k);
  return { kind: 'file', group, name: prefix + path, path, size: p.sizes[k]!, crc32: p.crcs[k]!, mtimeMs: p.mtimes[k]!, offset: 0, length: 0, head: undefined };
};

/** Each plan's blocks and the pages it holds (up to CACHED_PAGES). */
const planPages = new WeakMap<ZipPlan, { blocks: Block[]; cache: Map<RowPage, Page> }>();

const pageKey = (group: number, after: string | null) => (after === null ? `${group}` : `${group}/${after}`);

/** The pages a plan holds now, by pageKey. */
function heldPages(plan: ZipPlan | undefined): Map<string, Page> {
  const held = new Map<string, Page>();
  const p = plan && planPages.get(plan);
  for (const b of p?.blocks ?? []) {
    if (b.kind !== 'rows') continue;
    const page = p!.cache.get(b);
    if (page) held.set(pageKey(b.group, b.after), page);
  }
  return held;
}

/**
 * Plans the archive by reading every page once. `pageSize` files are held at a time. `previous`,
 * a plan of the same groups before their index changed: each page it kept is used again when the
 * index gives exactly the same files for it (the same text), instead of being worked out again
 * and kept twice.
 */
export async function planZip(groups: ArchiveGroup[], pageSize = 1024, previous?: ZipPlan): Promise<ZipPlan> {
  const blocks: Block[] = [];
  // The first pages read here are kept for the stream: a dataset of up to CACHED_PAGES pages is read once.
  const cache = new Map<RowPage, Page>();
  const before = heldPages(previous);
  let pos = 0;
  let cd = 0;
  let entries = 0;
  const all = new Fingerprint();
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const names = trailerPaths(group);
    const taken = new Set<string>();
    const lines = group.trailers.map((t) => ('header' in t ? { size: utf8Length(t.header), crc: crc32(utf8.encode(t.header)) } : null));
    let after: string | null = null;
    for (;;) {
      const files = await group.page(after, pageSize);
      if (files.count === 0) break;
      const old = before.get(pageKey(g, after));
      const page = old && old.files.count === files.count && old.files.text === files.text ? old : pageOf(group, files, names);
      for (const name of page.takes) taken.add(name);
      const block: RowPage = { kind: 'rows', group: g, after, count: files.count, fingerprint: page.fingerprint, lineBytes: group.trailers.map(() => 0), headerBytes: 0, start: pos, length: 0, cdStart: cd, cdLength: 0 };
      const { nameLens } = page;
      for (let k = 0; k < files.count; k++) {
        const size = files.sizes[k]!;
        cd += centralHeaderLen(nameLens[k]!, size, pos);
        const headLen = localHeaderLen(nameLens[k]!, size);
        block.headerBytes += headLen;
        pos += headLen + size;
      }
      // Manifest-like trailers: this page's lines, encoded once.
      group.trailers.forEach((t, i) => {
        if (!('lines' in t)) return;
        const text = page.lines[i]!;
        const acc = lines[i]!;
        acc.size += text.length;
        block.lineBytes[i] = text.length;
        acc.crc = crc32(text, acc.crc);
      });
      block.length = pos - block.start;
      block.cdLength = cd - block.cdStart;
      all.add(`${block.fingerprint}\n`);
      blocks.push(block);
      if (cache.size < CACHED_PAGES) cache.set(block, page);
      entries += files.count;
      after = lastPath(files);
    }
    const tb: TrailerBlock = { kind: 'trailers', group: g, entries: [], start: pos, length: 0, cdStart: cd, cdLength: 0 };
    group.trailers.forEach((t, i) => {
      const name = taken.has(t.name) ? t.altName : t.name;
      const nameLen = utf8Length(name);
      const size = 'bytes' in t ? t.bytes.length : lines[i]!.size;
      const crc = 'bytes' in t ? crc32(t.bytes) : lines[i]!.crc;
      tb.entries.push({ name, nameLen, size, crc32: crc, headerOffset: pos, trailer: i });
      all.add(`${name}\t${size}\t${crc}\n`);
      cd += centralHeaderLen(nameLen, size, pos);
      pos += localHeaderLen(nameLen, size) + size;
    });
    tb.length = pos - tb.start;
    tb.cdLength = cd - tb.cdStart;
    blocks.push(tb);
    entries += tb.entries.length;
  }
  const cdOffset = pos;
  const zip64End = entries >= MAX16 || cd >= MAX32 || cdOffset >= MAX32;
  const end = endRecords({ count: entries, cdOffset, cdSize: cd, zip64End });
  const total = cdOffset + cd + end.length;
  all.add(`${entries}\t${total}\n`);
  const plan: ZipPlan = { total, entries, fingerprint: all.digest(), pieces: (start, stop, runMax = 0) => pieces(groups, blocks, cache, { cdOffset, end, total }, pageSize, start, stop, runMax) };
  planPages.set(plan, { blocks, cache });
  return plan;
}

/** First block whose span (local or central) ends after `at`. */
function firstBlock(blocks: Span[], at: number, central: boolean): number {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const b = blocks[mid]!;
    if ((central ? b.cdStart + b.cdLength : b.start + b.length) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function* pieces(groups: ArchiveGroup[], blocks: Block[], cache: Map<RowPage, Page>, z: { cdOffset: number; end: Uint8Array; total: number }, pageSize: number, start: number, stop: number, runMax: number): AsyncGenerator<PlanPiece[]> {
  if (start < 0 || stop > z.total || start > stop) throw new RangeError(`Bad range ${start}-${stop} of ${z.total}`);
  // Pages read again are checked against the plan; up to CACHED_PAGES are kept (the central
  // directory right after the data, and the manifest lines, reuse them).
  const pageAt = async (b: RowPage): Promise<Page> => {
    let page = cache.get(b);
    if (!page) {
      const group = groups[b.group]!;
      const files = await group.page(b.after, pageSize);
      try {
        page = pageOf(group, files);
      } catch (err) {
        throw new StalePlanError(`the index changed while the archive was being sent (${(err as Error).message}): download it again`);
      }
      if (page.files.count !== b.count || page.fingerprint !== b.fingerprint) throw new StalePlanError('the index changed while the archive was being sent: download it again');
      if (cache.size >= CACHED_PAGES) cache.delete(cache.keys().next().value!);
      cache.set(b, page);
    }
    return page;
  };
  /** Clips a header or literal [at, at + bytes.length) to the range. */
  const clip = (bytes: Uint8Array, at: number): PlanPiece | null => {
    const from = Math.max(start, at) - at;
    const to = Math.min(stop, at + bytes.length) - at;
    return from < to ? { kind: 'bytes', bytes: from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to) } : null;
  };

  let out: PlanPiece[] = [];
  // Local headers and data.
  for (let i = firstBlock(blocks, start, false); i < blocks.length && blocks[i]!.start < stop; i++) {
    const b = blocks[i]!;
    let at = b.start;
    if (b.kind === 'rows') {
      const page = await pageAt(b);
      const { files, nameLens } = page;
      // The page's local headers, made once and kept with the page (a cached page is streamed again).
      const heads = (page.heads ??= localHeads(groups[b.group]!.prefix, page, b.headerBytes));
      const { prefix } = groups[b.group]!;
      let hp = 0;
      let run: RunPiece | null = null;
      for (let k = 0; k < files.count; k++) {
        const size = files.sizes[k]!;
        const headLen = localHeaderLen(nameLens[k]!, size);
        if (at + headLen + size > start) {
          if (at >= stop) break;
          if (runMax > 0 && size <= runMax && at >= start && at + headLen + size <= stop) {
            if (!run) {
              run = { kind: 'run', group: b.group, prefix, files, nameLens, from: k, to: k, heads, headFrom: hp, headTo: hp };
              out.push(run);
            }
            run.to = k + 1;
            run.headTo = hp + headLen;
          } else {
            run = null;
            const f = pieceOf(b.group, prefix, files, k);
            const head = heads.subarray(hp, hp + headLen);
            const dataAt = at + headLen;
            const from = Math.max(start, dataAt) - dataAt;
            const to = Math.min(stop, dataAt + size) - dataAt;
            f.offset = from;
            f.length = to - from;
            if (from < to && at >= start) {
              f.head = head;
              out.push(f);
            } else {
              const h = clip(head, at);
              if (h) out.push(h);
              if (from < to) out.push(f);
            }
            // Short batches: their pieces are garbage before the next young collection instead of
            // being promoted to the old generation while a whole page is sent.
            if (out.length >= PIECES_PER_BATCH) {
              yield out;
              out = [];
            }
          }
        }
        hp += headLen;
        at += headLen + size;
      }
    } else {
      for (const e of b.entries) {
        const lh = clip(localHeader(e), e.headerOffset);
        if (lh) out.push(lh);
        const dataAt = e.headerOffset + localHeaderLen(e.nameLen, e.size);
        if (dataAt + e.size <= start || dataAt >= stop) continue;
        const t = groups[b.group]!.trailers[e.trailer]!;
        if ('bytes' in t) {
          const p = clip(t.bytes, dataAt);
          if (p) out.push(p);
          continue;
        }
        // Lines of every page of the group, in order; only the pages inside the range are read.
        let lineAt = dataAt;
        const headerLine = utf8.encode(t.header);
        const hp = clip(headerLine, lineAt);
        if (hp) out.push(hp);
        lineAt += headerLine.length;
        for (const page of blocks) {
          if (page.kind !== 'rows' || page.group !== b.group || lineAt >= stop) continue;
          const len = page.lineBytes[e.trailer]!;
          if (lineAt + len > start) {
            const p = clip((await pageAt(page)).lines[e.trailer]!, lineAt);
            if (p) out.push(p);
          }
          lineAt += len;
        }
      }
    }
    if (out.length) {
      yield out;
      out = [];
    }
  }

  // Central directory.
  for (let i = firstBlock(blocks, start - z.cdOffset, true); i < blocks.length && z.cdOffset + blocks[i]!.cdStart < stop; i++) {
    const b = blocks[i]!;
    let at = z.cdOffset + b.cdStart;
    if (b.kind === 'rows') {
      // The whole page's central headers in one buffer, one piece.
      const heads = new Uint8Array(b.cdLength);
      let hp = 0;
      let headerOffset = b.start;
      const { files, nameLens } = await pageAt(b);
      const prefix = utf8.encode(groups[b.group]!.prefix);
      for (let k = 0; k < files.count; k++) {
        const size = files.sizes[k]!;
        hp = writeCentralHeaderOf(heads, hp, prefix, files.text, files.pathStart[k]!, files.pathEnd[k]!, size, files.crcs[k]!, headerOffset);
        headerOffset += localHeaderLen(nameLens[k]!, size) + size;
      }
      const p = clip(heads, at);
      if (p) out.push(p);
    } else {
      for (const e of b.entries) {
        const h = centralHeader(e, e.headerOffset);
        const p = clip(h, at);
        if (p) out.push(p);
        at += h.length;
      }
    }
    if (out.length > 256) {
      yield out;
      out = [];
    }
  }
  const p = clip(z.end, z.total - z.end.length);
  if (p) out.push(p);
  if (out.length) yield out;
}
