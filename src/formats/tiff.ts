// TIFF 6.0 (Adobe, 1992) §2 "Image File Structure": byte order 'II'/'MM', 42, offset of the first IFD; each
// IFD is a 16-bit entry count, 12-byte entries (tag, type, count, value or offset) and the offset of the
// next IFD (0 ends the chain). BigTIFF (43) uses 64-bit counts and offsets. Pages are counted along the
// chain with a cap and a visited set, so an IFD loop costs bounded time.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, hasExt, withSource, type Source } from './io.js';
import { FormatError, type FormatHandler } from './types.js';

const ID = 'tiff';
const MAX_PAGES = 10_000;
const MAX_ENTRIES = 4096;
const TYPE_SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 16: 8 };

interface Layout { le: boolean; big: boolean; first: number }

function layoutOf(h: Buffer): Layout | null {
  if (h.length < 8) return null;
  const order = h.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const magic = le ? h.readUInt16LE(2) : h.readUInt16BE(2);
  if (magic === 42) return { le, big: false, first: le ? h.readUInt32LE(4) : h.readUInt32BE(4) };
  if (magic === 43 && h.length >= 16) return { le, big: true, first: Number(le ? h.readBigUInt64LE(8) : h.readBigUInt64BE(8)) };
  return null;
}

class Reader {
  constructor(private readonly src: Source, private readonly l: Layout) {}
  uint(b: Buffer, at: number, size: number): number {
    const le = this.l.le;
    if (size === 1) return b[at]!;
    if (size === 2) return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
    if (size === 4) return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
    return Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  }
  /** Entry count and where the next-IFD offset lives. */
  async ifd(offset: number): Promise<{ count: number; entries: number; next: number }> {
    const cs = this.l.big ? 8 : 2;
    const es = this.l.big ? 20 : 12;
    const count = this.uint(await this.src.read(offset, cs), 0, cs);
    if (count === 0 || count > MAX_ENTRIES) throw new FormatError(ID, `invalid IFD entry count ${count}`);
    const nextAt = offset + cs + count * es;
    const os = this.l.big ? 8 : 4;
    return { count, entries: offset + cs, next: this.uint(await this.src.read(nextAt, os), 0, os) };
  }
  /** The first value of each wanted tag in the IFD. */
  async tags(entries: number, count: number, wanted: number[]): Promise<Map<number, number>> {
    const es = this.l.big ? 20 : 12;
    const field = this.l.big ? 8 : 4;
    const buf = await this.src.read(entries, count * es);
    const out = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const e = i * es;
      const tag = this.uint(buf, e, 2);
      if (!wanted.includes(tag)) continue;
      const size = TYPE_SIZE[this.uint(buf, e + 2, 2)];
      if (size === undefined) continue;
      const n = this.uint(buf, e + 4, this.l.big ? 8 : 4);
      const at = e + (this.l.big ? 12 : 8);
      if (n * size <= field) out.set(tag, this.uint(buf, at, size));
      else out.set(tag, this.uint(await this.src.read(this.uint(buf, at, field), size), 0, size));
    }
    return out;
  }
}

export const tiffHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (layoutOf(head) ? 'content' : hasExt(name, ['.tif', '.tiff']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const layout = layoutOf(await src.readUpTo(0, 16));
      if (!layout) return src.fail('no TIFF header');
      const r = new Reader(src, layout);
      const first = await r.ifd(layout.first);
      // 256 ImageWidth, 257 ImageLength, 258 BitsPerSample, 277 SamplesPerPixel (TIFF 6.0 §8).
      const t = await r.tags(first.entries, first.count, [256, 257, 258, 277]);
      const width = t.get(256);
      const height = t.get(257);
      if (width === undefined || height === undefined) return src.fail('no ImageWidth/ImageLength');
      const seen = new Set([layout.first]);
      let next = first.next;
      while (next !== 0) {
        if (seen.has(next)) src.fail('IFD loop');
        if (seen.size >= MAX_PAGES) src.fail('too many IFDs');
        seen.add(next);
        next = (await r.ifd(next)).next;
      }
      const frames = seen.size;
      checkDims(ID, [width, height, frames], limits);
      const meta: FileMeta = { kind: 'image', format: ID, width, height, channels: t.get(277) ?? 1, bitDepth: t.get(258) ?? 1 };
      if (frames > 1) meta.frames = frames;
      return meta;
    });
  },
};
