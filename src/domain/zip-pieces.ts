// Producing any byte range of a planned ZIP (zip-plan.ts) as pieces: literal bytes, parts of
// files and runs of whole small files, reading again only the pages the range touches and
// refusing a page whose entries are no longer what was planned.
import { centralHeader, localHeader, localHeaderLen, writeCentralHeaderOf } from './zip.js';
import { type Block, linesOf, localHeads, type Page, pageOf, pieceOf, type PlanPiece, type RowPage, type RunPiece, type Span, StalePlanError, type ArchiveGroup } from './zip-page.js';

const utf8 = new TextEncoder();
/** Pages a plan keeps (the first ones read while planning, then the last ones read again). */
export const CACHED_PAGES = 16;
const PIECES_PER_BATCH = 256;

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

export async function* pieces(groups: ArchiveGroup[], blocks: Block[], cache: Map<RowPage, Page>, z: { cdOffset: number; end: Uint8Array; total: number; packMax: number }, pageSize: number, start: number, stop: number, runMax: number): AsyncGenerator<PlanPiece[]> {
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
      const { prefix } = groups[b.group]!;
      // The page's local headers, made once and kept with the page (a cached page is streamed again).
      const heads = (page.heads ??= localHeads(prefix, page, b.headerBytes));
      let hp = 0;
      let pp = b.packStart;
      let run: RunPiece | null = null;
      for (let k = 0; k < files.count; k++) {
        const size = files.sizes[k]!;
        const headLen = localHeaderLen(nameLens[k]!, size);
        const packed = z.packMax > 0 && size <= z.packMax;
        if (at + headLen + size > start) {
          if (at >= stop) break;
          if (runMax > 0 && size <= runMax && at >= start && at + headLen + size <= stop) {
            // A run is all packed files or none.
            if (!run || (run.packAt >= 0) !== packed) {
              run = { kind: 'run', group: b.group, prefix, files, nameLens, from: k, to: k, heads, headFrom: hp, headTo: hp, packAt: packed ? pp : -1 };
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
        if (packed) pp += headLen + size;
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
            const p = clip(linesOf(groups[b.group]!, await pageAt(page), e.trailer), lineAt);
            if (p) {
              // A page's lines at a time: a batch of every page's lines held the whole manifest
              // in memory (200,000 files: 22 MB, and the pages read again to make it).
              out.push(p);
              yield out;
              out = [];
            }
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
    // A page's central headers (~100 KB) at a time, for the same reason.
    if (b.kind === 'rows' || out.length > 256) {
      yield out;
      out = [];
    }
  }
  const p = clip(z.end, z.total - z.end.length);
  if (p) out.push(p);
  if (out.length) yield out;
}
