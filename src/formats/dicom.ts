// DICOM Part 10 files. Follows PS3.10 §7.1 (128-byte preamble + "DICM", File Meta group 0002 always in
// explicit VR little endian) and PS3.5 §7.1 (data element encoding), §7.5 (sequences of undefined length,
// delimited by FFFE,E00D / FFFE,E0DD) and §A.4 (encapsulated pixel data). Only an allow-list of tags is
// decoded (DicomTags): patient-identifying attributes are skipped over unread.
import type { DicomTags, FileMeta } from '../domain/file-meta.js';
import { checkDims, cleanSpacing, hasExt, inflatePrefix, withSource, type Source } from './io.js';
import { FormatError, type FileRef, type FormatHandler, type Limits } from './types.js';

const ID = 'dicom';
type Decode = 'str' | 'int' | 'num' | 'nums' | 'us';

// Tag -> [name, how to decode]. Tags not listed here are never decoded.
const ALLOWED: ReadonlyMap<number, [keyof DicomTags, Decode]> = new Map([
  [0x00020010, ['TransferSyntaxUID', 'str']],
  [0x00080060, ['Modality', 'str']],
  [0x00080070, ['Manufacturer', 'str']],
  [0x00180015, ['BodyPartExamined', 'str']],
  [0x00180050, ['SliceThickness', 'num']],
  [0x0020000d, ['StudyInstanceUID', 'str']],
  [0x0020000e, ['SeriesInstanceUID', 'str']],
  [0x00200013, ['InstanceNumber', 'int']],
  [0x00200032, ['ImagePositionPatient', 'nums']],
  [0x00280008, ['NumberOfFrames', 'int']],
  [0x00280010, ['Rows', 'us']],
  [0x00280011, ['Columns', 'us']],
  [0x00280030, ['PixelSpacing', 'nums']],
]);
// Image pixel module attributes (PS3.3 C.7.6.3) used for FileMeta but not kept as tags.
const SAMPLES_PER_PIXEL = 0x00280002;
const BITS_ALLOCATED = 0x00280100;
const BITS_STORED = 0x00280101;
const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
// PS3.5 §7.1.2: these VRs have 2 reserved bytes and a 32-bit length.
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN', 'SV', 'UV']);
const MAX_VALUE = 1024;
const MAX_DEPTH = 32;

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';

class NeedMore extends Error {}

interface Syntax { le: boolean; explicit: boolean }
interface Parsed { tags: DicomTags; extra: Map<number, number>; pixelEnd?: number; }

class Parser {
  readonly tags: DicomTags = {};
  readonly extra = new Map<number, number>();
  pixelEnd?: number;
  constructor(private readonly buf: Buffer, private readonly complete: boolean) {}

  need(end: number): void {
    if (end <= this.buf.length) return;
    if (this.complete) throw new FormatError(ID, 'truncated');
    throw new NeedMore();
  }

  private header(pos: number, s: Syntax) {
    this.need(pos + 8);
    const b = this.buf;
    const group = s.le ? b.readUInt16LE(pos) : b.readUInt16BE(pos);
    const element = s.le ? b.readUInt16LE(pos + 2) : b.readUInt16BE(pos + 2);
    const tag = ((group << 16) | element) >>> 0;
    const u32 = (at: number) => (s.le ? b.readUInt32LE(at) : b.readUInt32BE(at));
    if (group === 0xfffe) return { tag, vr: '', len: u32(pos + 4), at: pos + 8 };
    if (!s.explicit) return { tag, vr: '', len: u32(pos + 4), at: pos + 8 };
    const vr = b.toString('latin1', pos + 4, pos + 6);
    if (!/^[A-Z]{2}$/.test(vr)) throw new FormatError(ID, 'invalid value representation');
    if (LONG_VRS.has(vr)) {
      this.need(pos + 12);
      return { tag, vr, len: u32(pos + 8), at: pos + 12 };
    }
    return { tag, vr, len: s.le ? b.readUInt16LE(pos + 6) : b.readUInt16BE(pos + 6), at: pos + 8 };
  }

  /** Parses the File Meta group (0002), always explicit VR little endian; returns where the data set starts. */
  meta(pos: number): number {
    const s = { le: true, explicit: true };
    for (;;) {
      if (this.complete && pos >= this.buf.length) return pos;
      this.need(pos + 8);
      if (this.buf.readUInt16LE(pos) !== 0x0002) return pos;
      const h = this.header(pos, s);
      if (h.len === UNDEFINED) throw new FormatError(ID, 'undefined length in file meta');
      this.value(h.tag, h.at, h.len, s);
      pos = h.at + h.len;
    }
  }

  /** Top-level data set: decodes allowed tags, skips the rest, stops at Pixel Data. */
  dataset(pos: number, s: Syntax): void {
    while (pos < this.buf.length || !this.complete) {
      const h = this.header(pos, s);
      if (h.tag >= PIXEL_DATA) {
        if (h.tag === PIXEL_DATA && h.len !== UNDEFINED) this.pixelEnd = h.at + h.len;
        return;
      }
      if (h.len === UNDEFINED) {
        // An SQ, or a UN of undefined length whose content is implicit VR little endian (PS3.5 §6.2.2).
        pos = this.sequence(h.at, h.vr === 'UN' ? { le: true, explicit: false } : s, 0);
        continue;
      }
      this.value(h.tag, h.at, h.len, s);
      pos = h.at + h.len;
    }
    if (pos > this.buf.length) throw new FormatError(ID, 'truncated');
  }

  /** Skips the items of a sequence of undefined length; returns the position after its delimiter. */
  private sequence(pos: number, s: Syntax, depth: number): number {
    if (depth > MAX_DEPTH) throw new FormatError(ID, 'sequences nested too deeply');
    for (;;) {
      const h = this.header(pos, s);
      if (h.tag === SEQ_END) return h.at;
      if (h.tag !== ITEM) throw new FormatError(ID, 'invalid item in sequence');
      pos = h.len === UNDEFINED ? this.item(h.at, s, depth + 1) : h.at + h.len;
    }
  }

  private item(pos: number, s: Syntax, depth: number): number {
    for (;;) {
      const h = this.header(pos, s);
      if (h.tag === ITEM_END) return h.at;
      if (h.tag === SEQ_END || h.tag === ITEM) throw new FormatError(ID, 'invalid item');
      pos = h.len === UNDEFINED ? this.sequence(h.at, h.vr === 'UN' ? { le: true, explicit: false } : s, depth + 1) : h.at + h.len;
    }
  }

  private value(tag: number, at: number, len: number, s: Syntax): void {
    const known = ALLOWED.get(tag);
    const extra = tag === SAMPLES_PER_PIXEL || tag === BITS_ALLOCATED || tag === BITS_STORED;
    if (!known && !extra) return;
    if (len > MAX_VALUE) throw new FormatError(ID, 'absurd value length');
    this.need(at + len);
    const raw = this.buf.subarray(at, at + len);
    if (extra) {
      if (len >= 2) this.extra.set(tag, s.le ? raw.readUInt16LE(0) : raw.readUInt16BE(0));
      return;
    }
    const [name, decode] = known!;
    const text = () => raw.toString('latin1').replace(/[\0 ]+$/, '').trim();
    let v: string | number | number[] | undefined;
    if (decode === 'str') v = text() || undefined;
    else if (decode === 'us') v = len >= 2 ? (s.le ? raw.readUInt16LE(0) : raw.readUInt16BE(0)) : undefined;
    else if (decode === 'nums') {
      const nums = text().split('\\').map(Number);
      v = nums.length > 0 && nums.every(Number.isFinite) ? nums : undefined;
    } else {
      const n = Number(text());
      v = text() !== '' && Number.isFinite(n) ? (decode === 'int' ? Math.trunc(n) : n) : undefined;
    }
    if (v !== undefined) (this.tags as Record<string, unknown>)[name] = v;
  }
}

/** Where the data set starts and its encoding when there is no File Meta group (PS3.10 files without meta). */
function guessSyntax(buf: Buffer, pos: number): Syntax {
  const vr = buf.toString('latin1', pos + 4, pos + 6);
  const explicit = /^[A-Z]{2}$/.test(vr);
  const le = !(buf.readUInt16LE(pos) >= 0x0100 && buf.readUInt16BE(pos) < 0x0100);
  return { le, explicit };
}

function syntaxOf(uid: string | undefined, buf: Buffer, pos: number): Syntax {
  if (uid === undefined) return guessSyntax(buf, pos);
  if (uid === IMPLICIT_LE) return { le: true, explicit: false };
  if (uid === EXPLICIT_BE) return { le: false, explicit: true };
  return { le: true, explicit: true };
}

function preambleEnd(head: Buffer): number {
  if (head.length >= 132 && head.toString('latin1', 128, 132) === 'DICM') return 132;
  if (head.toString('latin1', 0, 4) === 'DICM') return 4;
  return 0;
}

async function parse(src: Source, limits: Limits, file: FileRef): Promise<Parsed> {
  let window = Math.min(src.size, 64 * 1024);
  let buf = await src.readUpTo(0, window);
  for (;;) {
    const complete = buf.length >= src.size;
    try {
      if (buf.length < 8) throw new FormatError(ID, 'truncated');
      const p = new Parser(buf, complete);
      const start = preambleEnd(buf);
      const dataStart = p.meta(start);
      if (start === 0 && dataStart === 0 && !looksLikeDataset(buf)) throw new FormatError(ID, 'not a DICOM file');
      const uid = p.tags.TransferSyntaxUID;
      if (uid === DEFLATED) return await parseDeflated(p, file, dataStart, limits);
      if (complete && dataStart >= buf.length) return p;
      p.need(dataStart + 8);
      p.dataset(dataStart, syntaxOf(uid, buf, dataStart));
      return p;
    } catch (err) {
      if (!(err instanceof NeedMore)) throw err;
      window = Math.min(src.size, window * 4);
      if (window > limits.maxReadBytes) throw new FormatError(ID, 'header exceeds the read limit');
      buf = Buffer.concat([buf, await src.readUpTo(buf.length, window - buf.length)]);
    }
  }
}

// PS3.5 §A.5: after the File Meta group the data set is a raw deflate stream.
async function parseDeflated(meta: Parser, file: FileRef, offset: number, limits: Limits): Promise<Parsed> {
  let want = 64 * 1024;
  for (;;) {
    const buf = await inflatePrefix(file, want, limits, ID, { offset, compression: 'raw' });
    const p = new Parser(buf, buf.length < want);
    try {
      p.dataset(0, { le: true, explicit: true });
      return { tags: { ...p.tags, TransferSyntaxUID: meta.tags.TransferSyntaxUID }, extra: p.extra };
    } catch (err) {
      if (!(err instanceof NeedMore)) throw err;
      if (want >= limits.maxDecompressedBytes) throw new FormatError(ID, 'header exceeds the decompression limit');
      want = Math.min(want * 4, limits.maxDecompressedBytes);
    }
  }
}

function looksLikeDataset(head: Buffer): boolean {
  if (head.length < 8) return false;
  const group = head.readUInt16LE(0);
  const groupBE = head.readUInt16BE(0);
  if (group !== 0x0002 && group !== 0x0008 && groupBE !== 0x0008) return false;
  const vr = head.toString('latin1', 4, 6);
  if (/^[A-Z]{2}$/.test(vr)) return true;
  const len = head.readUInt32LE(4);
  return group === 0x0008 && head.readUInt16LE(2) < 0x0100 && len > 0 && len <= 1024 && len % 2 === 0;
}

export const dicomHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    if (preambleEnd(head) === 132 || looksLikeDataset(head)) return 'content';
    return hasExt(name, ['.dcm', '.dicom', '.dic']) ? 'extension' : false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const p = await parse(src, limits, file);
      if (p.pixelEnd !== undefined && p.pixelEnd > src.size) throw new FormatError(ID, 'truncated pixel data');
      const t = p.tags;
      const frames = t.NumberOfFrames;
      if (t.Rows !== undefined && t.Columns !== undefined) checkDims(ID, [t.Columns, t.Rows, frames ?? 1], limits);
      const meta: FileMeta = {
        kind: t.Rows === undefined ? 'other' : (frames ?? 1) > 1 ? 'volume' : t.SeriesInstanceUID ? 'series-slice' : 'image',
        format: ID,
        dicom: t,
      };
      if (t.Columns !== undefined) meta.width = t.Columns;
      if (t.Rows !== undefined) meta.height = t.Rows;
      if (frames !== undefined) meta.frames = frames;
      if (frames !== undefined && frames > 1) meta.depth = frames;
      const spp = p.extra.get(SAMPLES_PER_PIXEL);
      if (spp !== undefined) meta.channels = spp;
      const bits = p.extra.get(BITS_STORED) ?? p.extra.get(BITS_ALLOCATED);
      if (bits !== undefined) meta.bitDepth = bits;
      const ps = t.PixelSpacing;
      const spacing = ps && ps.length === 2 ? cleanSpacing([ps[1]!, ps[0]!]) : undefined;
      if (spacing) meta.spacing = spacing;
      return meta;
    });
  },
};
