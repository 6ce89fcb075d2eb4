// The pages of a ZIP plan (zip-plan.ts): the types of plans and pieces, what a plan keeps per page
// of index rows, and how a page is checked and measured (every path as a range of the page's
// string: no string per file).
import { isSafeEntryName, MAX16, writeLocalHeaderOf } from './zip.js';
import { type FilePage, ownString, pathAt } from './file-page.js';
import { Fingerprint, isSafeSubPath, utf8Length } from './zip-fingerprint.js';

export interface PlanEntry {
  /** Full name inside the archive. */
  name: string;
  size: number;
  crc32: number;
}

/**
 * An entry whose content is made here: fixed bytes, or a header line plus lines (UTF-8) for each
 * page of files, made of the files' paths, sizes, CRC-32s or SHA-256s, never of their times (a page
 * whose files changed only in time keeps its lines).
 */
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
 * and the path), each preceded by its local header (`localHeaderLen(nameLens[k], files.sizes[k])`
 * bytes): the headers one after the other are heads[headFrom, headTo). One piece for a stretch of
 * small files instead of one each.
 */
export interface RunPiece {
  kind: 'run'; group: number; prefix: string; files: FilePage; nameLens: Uint32Array; from: number; to: number; heads: Uint8Array; headFrom: number; headTo: number;
  /** Where the run's bytes (headers and contents) start in the plan's pack, when all its files are packed (see ZipPlan.pack); else -1. */
  packAt: number;
}
/** What a byte range is made of: literal bytes, part of a file, or a run of whole small files. */
export type PlanPiece = { kind: 'bytes'; bytes: Uint8Array } | FilePiece | RunPiece;

export interface Span { start: number; length: number; cdStart: number; cdLength: number }
export interface RowPage extends Span {
  kind: 'rows';
  group: number;
  after: string | null;
  count: number;
  fingerprint: string;
  /** Bytes of this page's lines in each line trailer (0 for the others): pages before a range are skipped unread. */
  lineBytes: number[];
  /** Bytes of its local headers. */
  headerBytes: number;
  /** Where its first packed file (header and content) starts in the plan's pack. */
  packStart: number;
}
export interface TrailerBlock extends Span { kind: 'trailers'; group: number; entries: (PlanEntry & { headerOffset: number; nameLen: number; trailer: number })[] }
export type Block = RowPage | TrailerBlock;

export class StalePlanError extends Error {}

const utf8 = new TextEncoder();

/**
 * A page of files as the plan keeps it: the index page (one string and typed arrays), the UTF-8
 * length of each entry name, and each line trailer's lines (MANIFEST.tsv) as UTF-8, made once per
 * read of the page. A plan's cached pages are a few dozen objects, none per file.
 */
export interface Page {
  files: FilePage;
  nameLens: Uint32Array;
  /**
   * Per trailer: its lines for these files (empty for trailers of fixed bytes), made when first
   * asked for (linesOf): planning and the trailer need them, a page read again to send its files or
   * its central headers does not.
   */
  lines: (Uint8Array | undefined)[];
  fingerprint: string;
  /** Names of the group's trailers that files of this page have (they take their other names). */
  takes: string[];
  /** The files' local headers one after the other, made when the page is first streamed. */
  heads?: Uint8Array;
}

const NO_LINES = new Uint8Array(0);

/** Paths that would have the name of one of the group's trailers. */
export const trailerPaths = (group: ArchiveGroup) =>
  new Set(group.trailers.filter((t) => t.name.startsWith(group.prefix)).map((t) => t.name.slice(group.prefix.length)));

/** The page of `files`; throws on an entry no archive may hold. */
export function pageOf(group: ArchiveGroup, files: FilePage, trailers = trailerPaths(group)): Page {
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
    if (trailerLens.has(end - start) && trailers.has(text.slice(start, end))) takes.push(ownString(group.prefix + text.slice(start, end)));
    nameLens[k] = nameLen;
  }
  return { files, nameLens, lines: group.trailers.map(() => undefined), fingerprint: fp.digest(), takes };
}

/** Trailer i's lines for the files of a page, made once per page. */
export function linesOf(group: ArchiveGroup, page: Page, i: number): Uint8Array {
  const t = group.trailers[i]!;
  return (page.lines[i] ??= 'lines' in t ? t.lines(page.files) : NO_LINES);
}

/** Every file's local header, one after the other. */
export function localHeads(prefix: string, page: Page, headerBytes: number): Uint8Array {
  const { files } = page;
  const heads = new Uint8Array(headerBytes);
  const name = utf8.encode(prefix);
  for (let k = 0, hp = 0; k < files.count; k++) {
    hp = writeLocalHeaderOf(heads, hp, name, files.text, files.pathStart[k]!, files.pathEnd[k]!, files.sizes[k]!, files.crcs[k]!);
  }
  return heads;
}

/** File k of a page as a piece (offset and length to be set). */
export const pieceOf = (group: number, prefix: string, p: FilePage, k: number): FilePiece => {
  const path = pathAt(p, k);
  return { kind: 'file', group, name: prefix + path, path, size: p.sizes[k]!, crc32: p.crcs[k]!, mtimeMs: p.mtimes[k]!, offset: 0, length: 0, head: undefined };
};

