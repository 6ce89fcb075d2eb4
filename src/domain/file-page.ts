// A page of a dataset's index (files in archive order) as one string and a few typed arrays:
// archives plan and keep pages of 1,024 files, and an object (plus strings) per file made every
// plan cost as much in allocation and garbage collection as reading the rows did.

/** The index fields of a file that archives need. */
export interface FileFields {
  id: number;
  path: string;
  size: number;
  mtime_ms: number;
  sha256: string;
  /** CRC-32 as 8 hex digits, or null when the index does not have it yet. */
  crc32: string | null;
}

export interface FilePage {
  count: number;
  /**
   * The text the offsets below point into: a record per file, `id,size,mtime,crc32,sha256\tpath\0`,
   * so two pages with the same text hold the same files.
   */
  text: string;
  /** Where each file's path starts and ends in `text`. */
  pathStart: Uint32Array;
  pathEnd: Uint32Array;
  /** Where each file's SHA-256 (hex) starts in `text`; it ends where its path starts, minus one. */
  shaStart: Uint32Array;
  ids: Float64Array;
  sizes: Float64Array;
  mtimes: Float64Array;
  /** CRC-32 of each file (0 for those listed in `noCrc`). */
  crcs: Uint32Array;
  /** Files whose CRC-32 the index does not have yet. */
  noCrc: number[];
}

export const pathAt = (p: FilePage, k: number) => p.text.slice(p.pathStart[k]!, p.pathEnd[k]!);
export const sha256At = (p: FilePage, k: number) => p.text.slice(p.shaStart[k]!, p.pathStart[k]! - 1);
/**
 * A string of its own with the same text. V8 makes a slice of 13 or more characters (what pathAt
 * gives) a view that keeps the whole string it was cut from alive: a path kept after its page is
 * gone must be copied, or every page's text stays in memory with it.
 */
export const ownString = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

/** The path after which the next page starts (keyset paging), kept by a plan for each page: a copy. */
export const lastPath = (p: FilePage) => ownString(pathAt(p, p.count - 1));

const emptyPage = (count: number, text: string): FilePage => ({
  count, text, pathStart: new Uint32Array(count), pathEnd: new Uint32Array(count), shaStart: new Uint32Array(count),
  ids: new Float64Array(count), sizes: new Float64Array(count), mtimes: new Float64Array(count), crcs: new Uint32Array(count), noCrc: [],
});

const HEX8 = /^[0-9a-fA-F]{8}$/;

/** The page of these rows (from any database). */
export function filePageOf(rows: FileFields[]): FilePage {
  const heads = rows.map((r) => `${r.id},${r.size},${r.mtime_ms},${r.crc32 ?? ''},`);
  const text = rows.map((r, k) => `${heads[k]}${r.sha256}\t${r.path}\0`).join('');
  const p = emptyPage(rows.length, text);
  let at = 0;
  rows.forEach((r, k) => {
    at += heads[k]!.length;
    p.shaStart[k] = at;
    p.pathStart[k] = at + r.sha256.length + 1;
    p.pathEnd[k] = p.pathStart[k]! + r.path.length;
    at = p.pathEnd[k]! + 1;
    p.ids[k] = r.id;
    p.sizes[k] = r.size;
    p.mtimes[k] = r.mtime_ms;
    if (r.crc32 && HEX8.test(r.crc32)) p.crcs[k] = parseInt(r.crc32, 16);
    else p.noCrc.push(k);
  });
  return p;
}

/**
 * The page of `count` records, each `id,size,mtime,crc32,sha256\tpath\0` with decimal integers and
 * an 8-hex-digit or empty CRC-32 (one string made by the database). Returns null if a record is
 * not exactly that (a non-integer number, say): the caller then reads the page as rows.
 */
export function parseFilePage(text: string, count: number): FilePage | null {
  const p = emptyPage(count, text);
  let i = 0;
  const int = (): number => {
    let v = 0;
    const from = i;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) v = v * 10 + (c - 48);
    if (i === from || i - from > 15 || text.charCodeAt(i) !== 44) return -1;
    i++;
    return v;
  };
  for (let k = 0; k < count; k++) {
    const id = int();
    const size = int();
    const mtime = int();
    if (id < 0 || size < 0 || mtime < 0) return null;
    let crc = 0;
    let digits = 0;
    for (let c = text.charCodeAt(i); c !== 44; c = text.charCodeAt(++i), digits++) {
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0 || digits === 8) return null;
      crc = crc * 16 + d;
    }
    if (digits !== 0 && digits !== 8) return null;
    i++;
    p.shaStart[k] = i;
    const tab = text.indexOf('\t', i);
    const nul = text.indexOf('\0', tab + 1);
    if (tab < 0 || nul < 0) return null;
    p.pathStart[k] = tab + 1;
    p.pathEnd[k] = nul;
    i = nul + 1;
    p.ids[k] = id;
    p.sizes[k] = size;
    p.mtimes[k] = mtime;
    if (digits === 8) p.crcs[k] = crc;
    else p.noCrc.push(k);
  }
  return i === text.length ? p : null;
}

/**
 * Whether two pages hold the same files (ids, paths, sizes, CRC-32s and SHA-256s) and differ at
 * most in modification times: what a re-indexing that touched files without changing them gives.
 * Everything an archive's entries are made of is then the same.
 */
export function sameButTimes(a: FilePage, b: FilePage): boolean {
  if (a.count !== b.count || a.noCrc.length !== b.noCrc.length) return false;
  for (let i = 0; i < a.noCrc.length; i++) if (a.noCrc[i] !== b.noCrc[i]) return false;
  const at = a.text;
  const bt = b.text;
  for (let k = 0; k < a.count; k++) {
    if (a.ids[k] !== b.ids[k] || a.sizes[k] !== b.sizes[k] || a.crcs[k] !== b.crcs[k]) return false;
    // The SHA-256, the tab and the path, compared in place.
    const as = a.shaStart[k]!;
    const bs = b.shaStart[k]!;
    const len = a.pathEnd[k]! - as;
    if (b.pathEnd[k]! - bs !== len) return false;
    for (let i = 0; i < len; i++) if (at.charCodeAt(as + i) !== bt.charCodeAt(bs + i)) return false;
  }
  return true;
}
