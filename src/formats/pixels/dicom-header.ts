// The DICOM attributes needed to decode pixels (PS3.3 C.7.6.3 Image Pixel module, C.11.1 Modality LUT,
// C.11.2 VOI LUT) and where Pixel Data starts. Data elements are encoded per PS3.5 §7.1 (explicit VR with
// 2- or 4-byte lengths, implicit VR), sequences of undefined length per §7.5, File Meta per PS3.10 §7.1.
// Like src/formats/dicom.ts this is an allow-list: every other element, patient-identifying or not, is
// skipped by its length and never decoded.
import { FormatError } from '../types.js';

const ID = 'dicom';
type Kind = 'str' | 'us' | 'nums';
const TAGS: ReadonlyMap<number, [keyof Attrs, Kind]> = new Map([
  [0x00020010, ['TransferSyntaxUID', 'str']],
  [0x00080060, ['Modality', 'str']],
  [0x00180050, ['SliceThickness', 'nums']],
  [0x00180088, ['SpacingBetweenSlices', 'nums']],
  [0x00280002, ['SamplesPerPixel', 'us']],
  [0x00280004, ['PhotometricInterpretation', 'str']],
  [0x00280006, ['PlanarConfiguration', 'us']],
  [0x00280008, ['NumberOfFrames', 'nums']],
  [0x00280010, ['Rows', 'us']],
  [0x00280011, ['Columns', 'us']],
  [0x00280030, ['PixelSpacing', 'nums']],
  [0x00280100, ['BitsAllocated', 'us']],
  [0x00280101, ['BitsStored', 'us']],
  [0x00280103, ['PixelRepresentation', 'us']],
  [0x00281050, ['WindowCenter', 'nums']],
  [0x00281051, ['WindowWidth', 'nums']],
  [0x00281052, ['RescaleIntercept', 'nums']],
  [0x00281053, ['RescaleSlope', 'nums']],
]);

export interface Attrs {
  TransferSyntaxUID?: string;
  Modality?: string;
  PhotometricInterpretation?: string;
  SliceThickness?: number[];
  SpacingBetweenSlices?: number[];
  SamplesPerPixel?: number;
  PlanarConfiguration?: number;
  NumberOfFrames?: number[];
  Rows?: number;
  Columns?: number;
  PixelSpacing?: number[];
  BitsAllocated?: number;
  BitsStored?: number;
  PixelRepresentation?: number;
  WindowCenter?: number[];
  WindowWidth?: number[];
  RescaleIntercept?: number[];
  RescaleSlope?: number[];
}

export interface Syntax { le: boolean; explicit: boolean }
export interface PixelHeader {
  attrs: Attrs;
  syntax: Syntax;
  /** Offset of the Pixel Data value (after its element header) in the parsed buffer. */
  pixelOffset?: number;
  /** Its length; undefined for encapsulated (undefined-length) Pixel Data, PS3.5 §A.4. */
  pixelLength?: number;
  /** Offset where the data set starts (after preamble and File Meta). */
  dataStart: number;
}

export class NeedMore extends Error {}

const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
// PS3.5 §7.1.2 Table 7.1-1: VRs with 2 reserved bytes and a 32-bit length.
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN', 'SV', 'UV']);
const MAX_DEPTH = 32;
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const DEFLATED = '1.2.840.10008.1.2.1.99';

export class HeaderParser {
  readonly attrs: Attrs = {};
  constructor(private readonly buf: Buffer, private readonly complete: boolean) {}

  private need(end: number): void {
    if (end <= this.buf.length) return;
    if (this.complete) throw new FormatError(ID, 'truncated');
    throw new NeedMore();
  }

  private element(pos: number, s: Syntax) {
    this.need(pos + 8);
    const b = this.buf;
    const group = s.le ? b.readUInt16LE(pos) : b.readUInt16BE(pos);
    const tag = ((group << 16) | (s.le ? b.readUInt16LE(pos + 2) : b.readUInt16BE(pos + 2))) >>> 0;
    const u32 = (at: number) => (s.le ? b.readUInt32LE(at) : b.readUInt32BE(at));
    // Item and delimiter tags (FFFE,xxxx) have no VR in any syntax (PS3.5 §7.5).
    if (group === 0xfffe || !s.explicit) return { tag, vr: '', len: u32(pos + 4), at: pos + 8 };
    const vr = b.toString('latin1', pos + 4, pos + 6);
    if (!/^[A-Z]{2}$/.test(vr)) throw new FormatError(ID, 'invalid value representation');
    if (LONG_VRS.has(vr)) {
      this.need(pos + 12);
      return { tag, vr, len: u32(pos + 8), at: pos + 12 };
    }
    return { tag, vr, len: s.le ? b.readUInt16LE(pos + 6) : b.readUInt16BE(pos + 6), at: pos + 8 };
  }

  /** File Meta (group 0002), always explicit VR little endian (PS3.10 §7.1); returns where the data set starts. */
  meta(pos: number): number {
    const s = { le: true, explicit: true };
    for (;;) {
      if (this.complete && pos + 8 > this.buf.length) return pos;
      this.need(pos + 8);
      if (this.buf.readUInt16LE(pos) !== 0x0002) return pos;
      const e = this.element(pos, s);
      if (e.len === UNDEFINED) throw new FormatError(ID, 'undefined length in file meta');
      this.value(e.tag, e.at, e.len, s);
      pos = e.at + e.len;
    }
  }

  /** Walks the top-level data set up to Pixel Data. */
  dataset(pos: number, s: Syntax): Omit<PixelHeader, 'dataStart'> {
    while (!this.complete || pos + 8 <= this.buf.length) {
      const e = this.element(pos, s);
      if (e.tag === PIXEL_DATA) {
        return { attrs: this.attrs, syntax: s, pixelOffset: e.at, ...(e.len === UNDEFINED ? {} : { pixelLength: e.len }) };
      }
      if (e.tag > PIXEL_DATA) break;
      if (e.len === UNDEFINED) {
        // An SQ, or a UN of undefined length whose content is implicit VR little endian (PS3.5 §6.2.2).
        pos = this.sequence(e.at, e.vr === 'UN' ? { le: true, explicit: false } : s, 0);
        continue;
      }
      this.value(e.tag, e.at, e.len, s);
      pos = e.at + e.len;
    }
    return { attrs: this.attrs, syntax: s };
  }

  private sequence(pos: number, s: Syntax, depth: number): number {
    if (depth > MAX_DEPTH) throw new FormatError(ID, 'sequences nested too deeply');
    for (;;) {
      const e = this.element(pos, s);
      if (e.tag === SEQ_END) return e.at;
      if (e.tag !== ITEM) throw new FormatError(ID, 'invalid item in sequence');
      if (e.len !== UNDEFINED) {
        pos = e.at + e.len;
        continue;
      }
      pos = e.at;
      for (;;) {
        const i = this.element(pos, s);
        if (i.tag === ITEM_END) break;
        if (i.tag === SEQ_END || i.tag === ITEM) throw new FormatError(ID, 'invalid item');
        pos = i.len === UNDEFINED ? this.sequence(i.at, i.vr === 'UN' ? { le: true, explicit: false } : s, depth + 1) : i.at + i.len;
      }
      pos = this.element(pos, s).at;
    }
  }

  private value(tag: number, at: number, len: number, s: Syntax): void {
    const known = TAGS.get(tag);
    if (!known) return;
    if (len > 1024) throw new FormatError(ID, 'absurd value length');
    this.need(at + len);
    const raw = this.buf.subarray(at, at + len);
    const [name, kind] = known;
    const text = raw.toString('latin1').replace(/[\0 ]+$/, '').trim();
    const a = this.attrs as Record<string, unknown>;
    if (kind === 'us') {
      if (len >= 2) a[name] = s.le ? raw.readUInt16LE(0) : raw.readUInt16BE(0);
    } else if (kind === 'str') {
      if (text) a[name] = text;
    } else {
      const nums = text.split('\\').map((t) => Number(t.trim()));
      if (text && nums.every(Number.isFinite)) a[name] = nums;
    }
  }
}

export function preambleEnd(buf: Buffer): number {
  if (buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM') return 132;
  if (buf.toString('latin1', 0, 4) === 'DICM') return 4;
  return 0;
}

/** The encoding of the data set from its transfer syntax, or guessed from its first element without File Meta. */
export function syntaxOf(uid: string | undefined, buf: Buffer, pos: number): Syntax {
  if (uid === IMPLICIT_LE) return { le: true, explicit: false };
  const vrLike = buf.length >= pos + 6 && /^[A-Z]{2}$/.test(buf.toString('latin1', pos + 4, pos + 6));
  if (uid === EXPLICIT_BE) return { le: false, explicit: true };
  // Some writers encode the data set in implicit VR despite an explicit syntax; readers (pydicom, DCMTK)
  // accept that by looking at the first element, and so do we.
  if (uid !== undefined) return { le: true, explicit: vrLike || buf.length < pos + 6 };
  if (buf.length < pos + 8) return { le: true, explicit: true };
  const explicit = /^[A-Z]{2}$/.test(buf.toString('latin1', pos + 4, pos + 6));
  const le = !(buf.readUInt16LE(pos) >= 0x0100 && buf.readUInt16BE(pos) < 0x0100);
  return { le, explicit };
}
