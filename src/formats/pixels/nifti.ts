// NIfTI-1 (nifti1.h: 348-byte header) and NIfTI-2 (nifti2.h: 540-byte header) voxel data, single file
// (.nii, .nii.gz) or pair (.hdr + .img, also Analyze 7.5). Byte order is detected from sizeof_hdr, as
// nifti1.h prescribes. Only the first 3D volume is decoded (the first time point of a 4D series).
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { inflatePrefix, isGzip } from '../io.js';
import { FormatError, type Limits } from '../types.js';
import { checkVolumeDims, inflateLimits, readRange, siblingPath, spacing3, toFloat32, SAMPLE_BYTES, type SampleType, type Volume } from './volume.js';

const ID = 'nifti';

// nifti1.h DT_* codes of the scalar types we decode.
const TYPES: ReadonlyMap<number, SampleType> = new Map([
  [2, 'uint8'], [4, 'int16'], [8, 'int32'], [16, 'float32'], [64, 'float64'], [256, 'int8'], [512, 'uint16'], [768, 'uint32'],
]);

interface Header {
  headerSize: number;
  le: boolean;
  pair: boolean;
  dims: number[];
  pixdim: number[];
  datatype: number;
  voxOffset: number;
  slope: number;
  inter: number;
}

function parseHeader(buf: Buffer): Header {
  if (buf.length < 4) throw new FormatError(ID, 'truncated header');
  let version = 0;
  let le = true;
  for (const l of [true, false]) {
    const size = l ? buf.readInt32LE(0) : buf.readInt32BE(0);
    if (size === 348 || size === 540) {
      version = size === 348 ? 1 : 2;
      le = l;
      break;
    }
  }
  if (version === 0) throw new FormatError(ID, 'not a NIfTI header (sizeof_hdr is neither 348 nor 540)');
  if (buf.length < (version === 1 ? 348 : 540)) throw new FormatError(ID, 'truncated header');
  const i16 = (at: number) => (le ? buf.readInt16LE(at) : buf.readInt16BE(at));
  const f32 = (at: number) => (le ? buf.readFloatLE(at) : buf.readFloatBE(at));
  const f64 = (at: number) => (le ? buf.readDoubleLE(at) : buf.readDoubleBE(at));
  const i64 = (at: number) => Number(le ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at));
  if (version === 1) {
    // nifti1.h: dim[8] int16 @40, datatype @70, pixdim[8] float @76, vox_offset float @108,
    // scl_slope @112, scl_inter @116, magic @344 ("n+1" single file, "ni1" pair; none for Analyze).
    const magic = buf.toString('latin1', 344, 347);
    return {
      headerSize: 348, le, pair: magic !== 'n+1',
      dims: Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i)),
      pixdim: Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i)),
      datatype: i16(70), voxOffset: f32(108), slope: magic === 'n+1' || magic === 'ni1' ? f32(112) : 0, inter: f32(116),
    };
  }
  // nifti2.h: magic @4, datatype int16 @12, dim[8] int64 @16, pixdim[8] double @104, vox_offset int64 @168,
  // scl_slope double @176, scl_inter double @184.
  return {
    headerSize: 540, le, pair: buf.toString('latin1', 4, 7) !== 'n+2',
    dims: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
    datatype: i16(12), voxOffset: i64(168), slope: f64(176), inter: f64(184),
  };
}

/** The .img (or .img.gz) beside a .hdr, in the same folder. */
function pairedImage(path: string): string {
  const name = basename(path);
  if (!/\.hdr$/i.test(name)) throw new FormatError(ID, 'a NIfTI pair header must end in .hdr');
  return siblingPath(path, name.replace(/\.hdr$/i, name.endsWith('.HDR') ? '.IMG' : '.img'), ID);
}

export async function decodeNifti(path: string, limits: Limits): Promise<Volume> {
  const first = await readRange(path, 0, Math.min(544, (await stat(path)).size), ID, 'header');
  const gz = isGzip(first);
  const file = { path, size: 0 };
  const head = gz ? await inflatePrefix(file, 544, limits, ID) : first;
  const h = parseHeader(head);
  const nd = h.dims[0]!;
  if (nd < 1 || nd > 7) throw new FormatError(ID, `invalid dim[0] ${nd}`);
  const all = h.dims.slice(1, nd + 1);
  // Every axis must be sane even though only the first 3D volume is read.
  if (all.some((d) => !Number.isSafeInteger(d) || d < 1 || d > limits.maxAxis)) throw new FormatError(ID, `invalid dimensions ${all.join('x')}`);
  const dims: [number, number, number] = [all[0]!, all[1] ?? 1, all[2] ?? 1];
  const count = checkVolumeDims(ID, dims, limits);
  const type = TYPES.get(h.datatype);
  if (!type) throw new FormatError(ID, `datatype ${h.datatype} cannot be previewed`);
  const bytes = count * SAMPLE_BYTES[type];
  // nifti1.h: "vox_offset ... should be an integer multiple of 16" for .nii; 0 is usual for pairs.
  const offset = h.pair ? Math.max(0, h.voxOffset) : h.voxOffset;
  if (!Number.isSafeInteger(offset) || offset < 0 || (!h.pair && offset < h.headerSize)) {
    throw new FormatError(ID, `invalid vox_offset ${h.voxOffset}`);
  }
  let raw: Buffer;
  if (h.pair) {
    const img = pairedImage(path);
    const imgHead = await readRange(img, 0, 3, ID, 'image file');
    if (isGzip(imgHead)) {
      raw = await inflatePrefix({ path: img, size: 0 }, offset + bytes, inflateLimits(limits), ID);
      if (raw.length < offset + bytes) throw new FormatError(ID, 'truncated voxel data');
      raw = raw.subarray(offset);
    } else {
      raw = await readRange(img, offset, bytes, ID, 'voxel data');
    }
  } else if (gz) {
    raw = await inflatePrefix(file, offset + bytes, inflateLimits(limits), ID);
    if (raw.length < offset + bytes) throw new FormatError(ID, 'truncated voxel data');
    raw = raw.subarray(offset);
  } else {
    raw = await readRange(path, offset, bytes, ID, 'voxel data');
  }
  // nifti1.h: "If the scl_slope field is nonzero, then each voxel value in the dataset should be scaled as
  // y = scl_slope * x + scl_inter".
  const scaled = Number.isFinite(h.slope) && h.slope !== 0;
  const data = toFloat32(raw, 0, count, type, h.le, scaled ? h.slope : 1, scaled && Number.isFinite(h.inter) ? h.inter : 0, ID);
  return { dims, spacing: spacing3(h.pixdim.slice(1, 4).map((v, i) => (i < nd ? v : 1))), data };
}
