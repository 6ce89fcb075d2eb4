// A deterministic ZIP archive of any number of entries planned page by page, so that
// neither planning nor streaming holds the whole entry list: memory is bounded by the page
// size whatever the number of files. The planning pass reads every page once and keeps one
// small record per page (where its local headers and central headers start, and a
// fingerprint of its entries); producing any byte range then reads only the pages it
// touches again, and refuses a page whose entries are no longer what was planned.
import { centralHeader, centralHeaderLen, crc32, endRecords, isSafeEntryName, localHeader, localHeaderLen, MAX16, MAX32, writeCentralHeader, writeLocalHeader } from './zip.js';
import { Fingerprint, utf8Length } from './zip-fingerprint.js';

export interface PlanEntry {
  /** Full name inside the archive. */
  name: string;
  size: number;
  crc32: number;
}

/** An entry whose content is made here: fixed bytes, or a header line plus one line per row. */
export type Trailer<Row> =
  | { name: string; altName: string; bytes: Uint8Array }
  | { name: string; altName: string; header: string; line: (row: Row) => string };

/** One group of the archive: rows paged from an index in archive order, then its trailers. */
export interface ArchiveGroup<Row> {
  /** At most `limit` rows after `after` (null: from the first). */
  page(after: Row | null, limit: number): Promise<Row[]>;
  entry(row: Row): PlanEntry;
  /** Each trailer is stored under `name`, or under `altName` when a row already uses `name`. */
  trailers: Trailer<Row>[];
}

/**
 * What a byte range is made of: literal bytes, or `length` bytes of a row's content from `offset`,
 * preceded by `head` (the row's whole local header) when the range holds all of it and some content.
 */
export type PlanPiece<Row> = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'row'; row: Row; entry: PlanEntry; offset: number; length: number; head?: Uint8Array };

interface Span { start: number; length: number; cdStart: number; cdLength: number }
interface RowPage<Row> extends Span {
  kind: 'rows';
  group: number;
  after: Row | null;
  count: number;
  fingerprint: string;
  /** Bytes of this page's lines in each line trailer (0 for the others): pages before a range are skipped unread. */
  lineBytes: number[];
  /** Bytes of its local headers. */
  headerBytes: number;
}
interface TrailerBlock extends Span { kind: 'trailers'; group: number; entries: (PlanEntry & { headerOffset: number; nameLen: number; trailer: number })[] }
type Block<Row> = RowPage<Row> | TrailerBlock;

export interface ZipPlan<Row> {
  total: number;
  entries: number;
  /** A digest input that changes whenever any entry's name, size or CRC-32 does. */
  fingerprint: string;
  /** Bytes [start, end) as pieces, in order, a batch (at most a page, ~256 pieces) at a time. */
  pieces(start: number, end: number): AsyncGenerator<PlanPiece<Row>[]>;
}

export class StalePlanError extends Error {}

const utf8 = new TextEncoder();
const CACHED_PAGES = 16;
const PIECES_PER_BATCH = 256;

/**
 * A page of rows with their entries and the UTF-8 length of each entry name, made once per read of
 * the page; `lines[t]` are its lines of line trailer t (MANIFEST.tsv), encoded once when first needed.
 */
interface Page<Row> { rows: Row[]; entries: PlanEntry[]; nameLens: Uint32Array; lines: (Uint8Array | undefined)[] }

const pageOf = <Row>(group: ArchiveGroup<Row>, rows: Row[]): Page<Row> => {
  const entries = rows.map((r) => group.entry(r));
  const nameLens = new Uint32Array(entries.length);
  for (let i = 0; i < entries.length; i++) nameLens[i] = utf8Length(entries[i]!.name);
  return { rows, entries, nameLens, lines: [] };
};

const pageLines = <Row>(t: Extract<Trailer<Row>, { line: unknown }>, rows: Row[]) => {
  let text = '';
  for (const row of rows) text += t.line(row);
  return text;
};

/** The page's lines of trailer `t` as UTF-8 (kept with the page: a cached page is encoded once, not once per stream). */
const linesOf = <Row>(page: Page<Row>, t: Extract<Trailer<Row>, { line: unknown }>, i: number): Uint8Array =>
  (page.lines[i] ??= utf8.encode(pageLines(t, page.rows)));

const addEntry = (fp: Fingerprint, e: PlanEntry) => {
  fp.add(e.name);
  fp.num(e.size);
  fp.num(e.crc32);
};

/** Plans the archive by reading every page once. `pageSize` rows are held at a time. */
export async function planZip<Row>(groups: ArchiveGroup<Row>[], pageSize = 1024): Promise<ZipPlan<Row>> {
  const blocks: Block<Row>[] = [];
  // The first pages read here are kept for the stream: a dataset of up to CACHED_PAGES pages is read once.
  const cache = new Map<RowPage<Row>, Page<Row>>();
  let pos = 0;
  let cd = 0;
  let entries = 0;
  const all = new Fingerprint();
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const names = new Set(group.trailers.map((t) => t.name));
    const taken = new Set<string>();
    const lines = group.trailers.map((t) => ('header' in t ? { size: utf8Length(t.header), crc: crc32(utf8.encode(t.header)) } : null));
    let after: Row | null = null;
    for (;;) {
      const rows = await group.page(after, pageSize);
      if (rows.length === 0) break;
      const fp = new Fingerprint();
      const block: RowPage<Row> = { kind: 'rows', group: g, after, count: rows.length, fingerprint: '', lineBytes: group.trailers.map(() => 0), headerBytes: 0, start: pos, length: 0, cdStart: cd, cdLength: 0 };
      const page = pageOf(group, rows);
      for (let k = 0; k < rows.length; k++) {
        const e = page.entries[k]!;
        if (!isSafeEntryName(e.name)) throw new Error(`Unsafe zip entry name: ${JSON.stringify(e.name)}`);
        if (!Number.isSafeInteger(e.size) || e.size < 0) throw new Error(`Bad size for ${e.name}`);
        const nameLen = page.nameLens[k]!;
        if (nameLen > MAX16) throw new Error(`Zip entry name too long: ${e.name.slice(0, 80)}…`);
        addEntry(fp, e);
        if (names.has(e.name)) taken.add(e.name);
        cd += centralHeaderLen(nameLen, e.size, pos);
        const headLen = localHeaderLen(nameLen, e.size);
        block.headerBytes += headLen;
        pos += headLen + e.size;
      }
      // Manifest-like trailers: this page's lines, encoded once.
      group.trailers.forEach((t, i) => {
        if (!('line' in t)) return;
        const text = linesOf(page, t, i);
        const acc = lines[i]!;
        acc.size += text.length;
        block.lineBytes[i] = text.length;
        acc.crc = crc32(text, acc.crc);
      });
      block.fingerprint = fp.digest();
      block.length = pos - block.start;
      block.cdLength = cd - block.cdStart;
      all.add(`${block.fingerprint}\n`);
      blocks.push(block);
      if (cache.size < CACHED_PAGES) cache.set(block, page);
      entries += rows.length;
      after = rows[rows.length - 1]!;
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
  return { total, entries, fingerprint: all.digest(), pieces: (start, stop) => pieces(groups, blocks, cache, { cdOffset, end, total }, pageSize, start, stop) };
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

async function* pieces<Row>(groups: ArchiveGroup<Row>[], blocks: Block<Row>[], cache: Map<RowPage<Row>, Page<Row>>, z: { cdOffset: number; end: Uint8Array; total: number }, pageSize: number, start: number, stop: number): AsyncGenerator<PlanPiece<Row>[]> {
  if (start < 0 || stop > z.total || start > stop) throw new RangeError(`Bad range ${start}-${stop} of ${z.total}`);
  // Pages read again are checked against the plan; up to CACHED_PAGES are kept (the central
  // directory right after the data, and the manifest lines, reuse them).
  const pageAt = async (b: RowPage<Row>): Promise<Page<Row>> => {
    let page = cache.get(b);
    if (!page) {
      const group = groups[b.group]!;
      page = pageOf(group, await group.page(b.after, pageSize));
      const fp = new Fingerprint();
      for (const e of page.entries) addEntry(fp, e);
      if (page.rows.length !== b.count || fp.digest() !== b.fingerprint) throw new StalePlanError('the index changed while the archive was being sent: download it again');
      if (cache.size >= CACHED_PAGES) cache.delete(cache.keys().next().value!);
      cache.set(b, page);
    }
    return page;
  };
  /** Clips a header or literal [at, at + bytes.length) to the range. */
  const clip = (bytes: Uint8Array, at: number): PlanPiece<Row> | null => {
    const from = Math.max(start, at) - at;
    const to = Math.min(stop, at + bytes.length) - at;
    return from < to ? { kind: 'bytes', bytes: from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to) } : null;
  };

  let out: PlanPiece<Row>[] = [];
  // Local headers and data.
  for (let i = firstBlock(blocks, start, false); i < blocks.length && blocks[i]!.start < stop; i++) {
    const b = blocks[i]!;
    let at = b.start;
    if (b.kind === 'rows') {
      // The page's local headers are written into one buffer.
      const heads = new Uint8Array(b.headerBytes);
      let hp = 0;
      const { rows, entries, nameLens } = await pageAt(b);
      for (let k = 0; k < rows.length; k++) {
        const row = rows[k]!;
        const e = entries[k]!;
        const headLen = localHeaderLen(nameLens[k]!, e.size);
        if (at + headLen + e.size > start) {
          if (at >= stop) break;
          const head = heads.subarray(hp, writeLocalHeader(heads, hp, e));
          const dataAt = at + headLen;
          const from = Math.max(start, dataAt) - dataAt;
          const to = Math.min(stop, dataAt + e.size) - dataAt;
          if (from < to && at >= start) out.push({ kind: 'row', row, entry: e, offset: from, length: to - from, head });
          else {
            const h = clip(head, at);
            if (h) out.push(h);
            if (from < to) out.push({ kind: 'row', row, entry: e, offset: from, length: to - from });
          }
          // Short batches: their pieces are garbage before the next young collection instead of
          // being promoted to the old generation while a whole page is sent.
          if (out.length >= PIECES_PER_BATCH) {
            yield out;
            out = [];
          }
        }
        hp += headLen;
        at += headLen + e.size;
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
        // Lines of every page of the group, in order; only those inside the range are encoded.
        let lineAt = dataAt;
        const headerLine = utf8.encode(t.header);
        const hp = clip(headerLine, lineAt);
        if (hp) out.push(hp);
        lineAt += headerLine.length;
        for (const page of blocks) {
          if (page.kind !== 'rows' || page.group !== b.group || lineAt >= stop) continue;
          const len = page.lineBytes[e.trailer]!;
          if (lineAt + len > start) {
            const p = clip(linesOf(await pageAt(page), t, e.trailer), lineAt);
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
      const { entries, nameLens } = await pageAt(b);
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k]!;
        hp = writeCentralHeader(heads, hp, e, headerOffset);
        headerOffset += localHeaderLen(nameLens[k]!, e.size) + e.size;
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
