// NIfTI-1 (nifti1.h, 348-byte header) and NIfTI-2 (nifti2.h, 540-byte header), single file (.nii, magic
// "n+1"/"n+2") or header of a pair (.hdr, magic "ni1"/"ni2"), plain or gzipped, either byte order
// (detected from sizeof_hdr, as the standard prescribes). Analyze 7.5 .hdr (same layout, no magic) too.
import type { FileMeta } from '../domain/file-meta.js';
import { checkDims, cleanSpacing, hasExt, inflatePrefix, isGzip, peekGunzip, withSource } from './io.js';
import { FormatError, type FormatHandler } from './types.js';

const ID = 'nifti';

// datatype code -> [bits per voxel, channels] (nifti1.h DT_* codes).
const DATATYPES: ReadonlyMap<number, [number, number]> = new Map([
  [1, [1, 1]], [2, [8, 1]], [4, [16, 1]], [8, [32, 1]], [16, [32, 1]], [32, [64, 2]], [64, [64, 1]], [128, [24, 3]],
  [256, [8, 1]], [512, [16, 1]], [768, [32, 1]], [1024, [64, 1]], [1280, [64, 1]], [1536, [128, 1]], [1792, [128, 2]],
  [2048, [256, 2]], [2304, [32, 4]],
]);

interface Header { version: 0 | 1 | 2; pair: boolean; le: boolean; dims: number[]; pixdim: number[]; datatype: number; voxOffset: number }

function sniff(buf: Buffer): { version: 1 | 2; le: boolean } | null {
  if (buf.length < 4) return null;
  for (const le of [true, false]) {
    const size = le ? buf.readInt32LE(0) : buf.readInt32BE(0);
    if (size === 348) return { version: 1, le };
    if (size === 540) return { version: 2, le };
  }
  return null;
}

function magicOf(buf: Buffer, version: 1 | 2): string {
  return version === 1 ? buf.toString('latin1', 344, 347) : buf.toString('latin1', 4, 7);
}

function hasMagic(buf: Buffer): boolean {
  const s = sniff(buf);
  if (!s || buf.length < (s.version === 1 ? 348 : 540)) return false;
  const magic = magicOf(buf, s.version);
  return s.version === 1 ? magic === 'n+1' || magic === 'ni1' : magic === 'n+2' || magic === 'ni2';
}

function parseHeader(buf: Buffer): Header {
  const s = sniff(buf);
  if (!s) throw new FormatError(ID, 'not a NIfTI header (sizeof_hdr is neither 348 nor 540)');
  const { version, le } = s;
  if (buf.length < (version === 1 ? 348 : 540)) throw new FormatError(ID, 'truncated');
  const i16 = (at: number) => (le ? buf.readInt16LE(at) : buf.readInt16BE(at));
  const magic = magicOf(buf, version);
  const hasMagicBytes = /^n[+i][12]$/.test(magic);
  let dims: number[];
  let pixdim: number[];
  let datatype: number;
  let voxOffset: number;
  if (version === 1) {
    dims = Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i));
    pixdim = Array.from({ length: 8 }, (_, i) => (le ? buf.readFloatLE(76 + 4 * i) : buf.readFloatBE(76 + 4 * i)));
    datatype = i16(70);
    voxOffset = le ? buf.readFloatLE(108) : buf.readFloatBE(108);
  } else {
    const i64 = (at: number) => Number(le ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at));
    dims = Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i));
    pixdim = Array.from({ length: 8 }, (_, i) => (le ? buf.readDoubleLE(104 + 8 * i) : buf.readDoubleBE(104 + 8 * i)));
    datatype = i16(12);
    voxOffset = i64(168);
  }
  return { version: hasMagicBytes ? version : 0, pair: magic[1] === 'i', le, dims, pixdim, datatype, voxOffset };
}

export const niftiHandler: FormatHandler = {
  id: ID,
  match(head, name) {
    if (hasMagic(head)) return 'content';
    if (isGzip(head)) {
      const inner = peekGunzip(head, 544);
      if (inner && hasMagic(inner)) return 'content';
    }
    if (hasExt(name, ['.nii', '.nii.gz'])) return 'extension';
    // Analyze 7.5 has no magic: claim a .hdr only when sizeof_hdr says 348.
    if (hasExt(name, ['.hdr']) && sniff(head)?.version === 1) return 'extension';
    return false;
  },
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const first = await src.readUpTo(0, 544);
      const gz = isGzip(first);
      const buf = gz ? await inflatePrefix(file, 544, limits, ID) : first;
      const h = parseHeader(buf);
      const nd = h.dims[0]!;
      if (nd < 1 || nd > 7) throw new FormatError(ID, `invalid dim[0] ${nd}`);
      const dims = h.dims.slice(1, nd + 1);
      checkDims(ID, dims, limits);
      const type = DATATYPES.get(h.datatype);
      if (!type) throw new FormatError(ID, `unknown datatype ${h.datatype}`);
      const [bits, channels] = type;
      if (!gz && !h.pair && h.version !== 0) {
        // A single .nii holds its voxels after vox_offset: a shorter file is truncated.
        const voxels = dims.reduce((a, b) => a * b, 1);
        if (!(h.voxOffset >= 0) || h.voxOffset + Math.ceil((voxels * bits) / 8) > src.size) throw new FormatError(ID, 'truncated voxel data');
      }
      const [w, hgt = 1, d = 1, t = 1] = dims;
      const meta: FileMeta = {
        kind: d > 1 ? 'volume' : 'image',
        format: h.version === 0 ? 'analyze' : ID,
        width: w!,
        height: hgt,
        channels,
        bitDepth: bits / channels,
      };
      if (d > 1) meta.depth = d;
      if (t > 1) meta.frames = t;
      const spacing = cleanSpacing(h.pixdim.slice(1, Math.min(nd, 3) + 1));
      if (spacing) meta.spacing = spacing;
      return meta;
    });
  },
};
