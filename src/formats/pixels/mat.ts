// MAT-file Level 5 voxels (MathWorks "MAT-File Format", ch. 1): the first numeric array with at least three
// dimensions (MATLAB rows x columns x pages), from an uncompressed miMATRIX element or a zlib-compressed one
// (miCOMPRESSED, v7). Data elements may use the small format (size in the tag's upper 16 bits). The real part
// may be stored in a narrower type than the array's class (MATLAB saves small integers that way); it is
// converted to Float32 either way. MATLAB is column-major, so the volume is transposed to rows-down,
// columns-right slices: volume x = column, y = row, z = page. v7.3 files are HDF5 and are read as such.
import { stat } from 'node:fs/promises';
import { inflatePrefix } from '../io.js';
import { FormatError, type Limits } from '../types.js';
import { checkVolumeDims, inflateLimits, MAX_VOLUME_BYTES, readRange, toFloat32, type SampleType, type Volume } from './volume.js';

const ID = 'mat';
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const MAX_VARIABLES = 256;
// miINT8 .. miDOUBLE (type 8 is reserved; 12/13 are 64-bit integers, not previewed).
const MI_TYPES: Readonly<Record<number, SampleType>> = {
  1: 'int8', 2: 'uint8', 3: 'int16', 4: 'uint16', 5: 'int32', 6: 'uint32', 7: 'float32', 9: 'float64',
};
// mxDOUBLE_CLASS (6) .. mxUINT32_CLASS (13): the numeric classes whose values we show.
const isNumericClass = (c: number) => c >= 6 && c <= 13;

interface Element { type: number; data: Buffer; next: number }

function element(b: Buffer, at: number, le: boolean): Element | undefined {
  if (at + 8 > b.length) return undefined;
  const u32 = (p: number) => (le ? b.readUInt32LE(p) : b.readUInt32BE(p));
  const first = u32(at);
  if (first >>> 16 !== 0) {
    const n = first >>> 16;
    if (n > 4) return undefined;
    return { type: first & 0xffff, data: b.subarray(at + 4, at + 4 + n), next: at + 8 };
  }
  const n = u32(at + 4);
  if (at + 8 + n > b.length) return undefined;
  return { type: first, data: b.subarray(at + 8, at + 8 + n), next: at + 8 + n + ((8 - (n % 8)) % 8) };
}

/** The Volume of a miMATRIX element's body, or undefined when it is not a numeric array of >= 3 dimensions. */
function matrixVolume(body: Buffer, le: boolean, limits: Limits): Volume | undefined {
  const flags = element(body, 0, le);
  if (!flags || flags.data.length < 8) return undefined;
  const cls = (le ? flags.data.readUInt32LE(0) : flags.data.readUInt32BE(0)) & 0xff;
  if (!isNumericClass(cls)) return undefined;
  const dimsEl = element(body, flags.next, le);
  if (!dimsEl || dimsEl.type !== 5 || dimsEl.data.length % 4 !== 0) return undefined;
  const dims = Array.from({ length: dimsEl.data.length / 4 }, (_, i) => (le ? dimsEl.data.readInt32LE(4 * i) : dimsEl.data.readInt32BE(4 * i)));
  // Trailing singleton dimensions beyond the third are allowed; a 4D array shows its first volume.
  if (dims.length < 3 || dims.some((d) => d < 0) || dims[2]! < 2) return undefined;
  const [rows, cols, pages] = dims as [number, number, number];
  const count = checkVolumeDims(ID, [cols, rows, pages], limits);
  const name = element(body, dimsEl.next, le);
  const real = name && element(body, name.next, le);
  if (!real) throw new FormatError(ID, 'truncated array');
  const type = MI_TYPES[real.type];
  if (!type) throw new FormatError(ID, `data type ${real.type} cannot be previewed`);
  const values = toFloat32(real.data, 0, count, type, le, 1, 0, ID);
  const data = new Float32Array(count);
  for (let z = 0; z < pages; z++) {
    for (let x = 0; x < cols; x++) {
      for (let y = 0; y < rows; y++) data[x + cols * (y + rows * z)] = values[y + rows * (x + cols * z)]!;
    }
  }
  return { dims: [cols, rows, pages], spacing: [1, 1, 1], data };
}

export async function decodeMat(path: string, limits: Limits): Promise<Volume> {
  const { size } = await stat(path);
  const head = await readRange(path, 0, Math.min(size, 128), ID, 'header');
  if (head.length < 128 || !head.toString('latin1', 0, 6).startsWith('MATLAB')) throw new FormatError(ID, 'no MAT-file header');
  if (head.toString('latin1', 0, 10) === 'MATLAB 7.3') throw new FormatError(ID, 'MAT v7.3 files are HDF5');
  const endian = head.toString('latin1', 126, 128);
  if (endian !== 'IM' && endian !== 'MI') throw new FormatError(ID, 'invalid endian indicator');
  const le = endian === 'IM';
  let at = 128;
  for (let i = 0; i < MAX_VARIABLES && at + 8 <= size; i++) {
    const tag = await readRange(path, at, 8, ID, 'data element');
    const type = le ? tag.readUInt32LE(0) : tag.readUInt32BE(0);
    const n = le ? tag.readUInt32LE(4) : tag.readUInt32BE(4);
    if (at + 8 + n > size) throw new FormatError(ID, 'truncated data element');
    let body: Buffer | undefined;
    if (type === MI_MATRIX) {
      if (n > MAX_VOLUME_BYTES * 2) throw new FormatError(ID, 'array exceeds the preview budget');
      body = await readRange(path, at + 8, n, ID, 'array');
    } else if (type === MI_COMPRESSED) {
      const inner = await inflatePrefix({ path, size }, limits.maxDecompressedBytes, inflateLimits(limits), ID, { offset: at + 8, compression: 'zlib' });
      const el = element(inner, 0, le);
      if (el?.type === MI_MATRIX) body = el.data;
    }
    const v = body && matrixVolume(body, le, limits);
    if (v) return v;
    at += 8 + n + (type === MI_COMPRESSED ? 0 : (8 - (n % 8)) % 8);
  }
  throw new FormatError(ID, 'no numeric array of three or more dimensions');
}
