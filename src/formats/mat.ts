// MATLAB MAT-files. Level 5 (MathWorks "MAT-File Format", R2024, ch. 1): a 128-byte header (116 bytes of
// descriptive text, subsystem offset, version 0x0100, endian indicator 'IM'/'MI'), then data elements
// (32-bit type + byte count; miCOMPRESSED = 15 wraps a zlib stream). The first miMATRIX's dimensions
// subelement gives its array size. v7.3 files are HDF5 with a 512-byte user block holding the same header.
import type { FileMeta } from '../domain/file-meta.js';
import { hasExt, inflatePrefix, withSource } from './io.js';
import type { FormatHandler } from './types.js';

const ID = 'mat';
const MI_INT32 = 5;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const MAX_DIMS = 32;

/** Dims of a miMATRIX element starting at `at` (its tag), or undefined if not cheaply readable. */
function matrixDims(b: Buffer, at: number, le: boolean): number[] | undefined {
  const u32 = (p: number) => (le ? b.readUInt32LE(p) : b.readUInt32BE(p));
  const i32 = (p: number) => (le ? b.readInt32LE(p) : b.readInt32BE(p));
  if (at + 32 > b.length || u32(at) !== MI_MATRIX) return undefined;
  // Array flags subelement: 8-byte tag + 8 bytes of data; then the dimensions subelement.
  const dimsTag = at + 8 + 16;
  let type = u32(dimsTag);
  let nbytes: number;
  let data: number;
  if (type >>> 16 !== 0) {
    nbytes = type >>> 16; // small data element format: size in the upper half, data in the next 4 bytes
    type &= 0xffff;
    data = dimsTag + 4;
  } else {
    nbytes = u32(dimsTag + 4);
    data = dimsTag + 8;
  }
  if (type !== MI_INT32 || nbytes % 4 !== 0 || nbytes / 4 > MAX_DIMS || data + nbytes > b.length) return undefined;
  const dims = Array.from({ length: nbytes / 4 }, (_, i) => i32(data + 4 * i));
  return dims.every((d) => d >= 0) ? dims : undefined;
}

export const matHandler: FormatHandler = {
  id: ID,
  match: (head, name) => (/^MATLAB [57]\.\d MAT-file/.test(head.toString('latin1', 0, 20)) ? 'content' : hasExt(name, ['.mat']) ? 'extension' : false),
  async readMeta(file, limits): Promise<FileMeta> {
    return withSource(file, limits, ID, async (src) => {
      const h = await src.read(0, 128);
      const text = h.toString('latin1', 0, 116);
      if (!text.startsWith('MATLAB')) src.fail('no MAT-file header (MAT v4 is not supported)');
      const meta: FileMeta = { kind: 'other', format: ID };
      if (text.startsWith('MATLAB 7.3')) return meta;
      const endian = h.toString('latin1', 126, 128);
      if (endian !== 'IM' && endian !== 'MI') src.fail('invalid endian indicator');
      const le = endian === 'IM';
      if (src.size < 136) return meta; // no variables
      const tag = await src.read(128, 8);
      const type = le ? tag.readUInt32LE(0) : tag.readUInt32BE(0);
      let dims: number[] | undefined;
      let matrix: Buffer | undefined;
      if (type === MI_COMPRESSED) {
        matrix = await inflatePrefix(file, 256, limits, ID, { offset: 136, compression: 'zlib' });
      } else if (type === MI_MATRIX) {
        matrix = Buffer.concat([tag, await src.readUpTo(136, 248)]);
      }
      if (matrix) dims = matrixDims(matrix, 0, le);
      if (dims && dims.length >= 2) {
        // MATLAB dims are rows x columns x pages.
        meta.height = dims[0]!;
        meta.width = dims[1]!;
        if (dims.length >= 3) meta.depth = dims[2]!;
        // A numeric 3D first variable is what pixels/mat.ts previews as a volume.
        // mxDOUBLE_CLASS (6) .. mxUINT32_CLASS (13), in the low byte of the array flags (tag at 8, data at 16).
        const cls = matrix!.length >= 20 ? (le ? matrix!.readUInt32LE(16) : matrix!.readUInt32BE(16)) & 0xff : 0;
        if (dims.length >= 3 && dims[2]! > 1 && cls >= 6 && cls <= 13) meta.kind = 'volume';
      }
      return meta;
    });
  },
};
