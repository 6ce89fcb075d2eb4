// A deterministic ZIP archive of any number of entries planned page by page, so that
// neither planning nor streaming holds the whole entry list: memory is bounded by the page
// size whatever the number of files. The planning pass reads every page once and keeps one
// small record per page (where its local headers and central headers start, and a
// fingerprint of its entries); producing any byte range then reads only the pages it
// touches again, and refuses a page whose entries are no longer what was planned.
import { crc32 } from 'node:zlib';
import { centralHeaderLen, endRecords, localHeaderLen, MAX16, MAX32 } from './zip.js';
import { lastPath, sameButTimes } from './file-page.js';
import { Fingerprint, utf8Length } from './zip-fingerprint.js';
import { type ArchiveGroup, type Block, linesOf, type Page, pageOf, type PlanPiece, type RowPage, trailerPaths, type TrailerBlock } from './zip-page.js';
import { CACHED_PAGES, pieces } from './zip-pieces.js';

const utf8 = new TextEncoder();

export { StalePlanError, type ArchiveGroup, type FilePiece, type PlanEntry, type PlanPiece, type RunPiece, type Trailer } from './zip-page.js';

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
  /**
   * The pack: every file of at most `max` bytes (0: none), in archive order, each preceded by its
   * local header, one after the other: `files` files, `bytes` bytes. A run of such files (pieces()
   * with runMax >= max) says where its bytes are in it, so that a stored copy of the pack can stand
   * in for reading each file.
   */
  pack: { max: number; files: number; bytes: number };
  /** The pack's files as runs, in order (with pieces for the other files between them). */
  packPieces(): AsyncGenerator<PlanPiece[]>;
}

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
 * and kept twice, and what was worked out for it when only modification times changed.
 */
export async function planZip(groups: ArchiveGroup[], pageSize = 1024, previous?: ZipPlan, packMax = 0): Promise<ZipPlan> {
  const blocks: Block[] = [];
  // The first pages read here are kept for the stream: a dataset of up to CACHED_PAGES pages is read once.
  const cache = new Map<RowPage, Page>();
  const before = heldPages(previous);
  let pos = 0;
  let cd = 0;
  let entries = 0;
  let packPos = 0;
  let packFiles = 0;
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
      // A page whose files differ at most in modification times keeps its names, lines and local
      // headers (nothing of them depends on the time), with the new times for the checks at send time.
      const page = !old ? pageOf(group, files, names)
        : old.files.text === files.text ? old
        : sameButTimes(old.files, files) ? { ...old, files }
        : pageOf(group, files, names);
      for (const name of page.takes) taken.add(name);
      const block: RowPage = { kind: 'rows', group: g, after, count: files.count, fingerprint: page.fingerprint, lineBytes: group.trailers.map(() => 0), headerBytes: 0, packStart: packPos, start: pos, length: 0, cdStart: cd, cdLength: 0 };
      const { nameLens } = page;
      for (let k = 0; k < files.count; k++) {
        const size = files.sizes[k]!;
        cd += centralHeaderLen(nameLens[k]!, size, pos);
        const headLen = localHeaderLen(nameLens[k]!, size);
        block.headerBytes += headLen;
        pos += headLen + size;
        if (packMax > 0 && size <= packMax) {
          packPos += headLen + size;
          packFiles++;
        }
      }
      // Manifest-like trailers: this page's lines, encoded once.
      group.trailers.forEach((t, i) => {
        if (!('lines' in t)) return;
        const text = linesOf(group, page, i);
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
  const z = { cdOffset, end, total, packMax };
  const plan: ZipPlan = {
    total,
    entries,
    fingerprint: all.digest(),
    pieces: (start, stop, runMax = 0) => pieces(groups, blocks, cache, z, pageSize, start, stop, runMax),
    pack: { max: packMax, files: packFiles, bytes: packPos },
    // Each group's files (its row pages: from the first one to its trailers), with runs of packed files.
    async* packPieces() {
      if (packFiles === 0) return;
      let from = 0;
      for (const b of blocks) {
        if (b.kind === 'trailers') {
          if (b.start > from) yield* pieces(groups, blocks, cache, z, pageSize, from, b.start, packMax);
          from = b.start + b.length;
        }
      }
    },
  };
  planPages.set(plan, { blocks, cache });
  return plan;
}

