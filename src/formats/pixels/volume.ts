// The decoded form of every volume format, and the helpers the decoders share: the memory budget checked
// before any allocation, exact bounded reads, sample conversion to Float32, and the same-folder rule for
// detached data files (MetaImage ElementDataFile, NRRD "data file", NIfTI .img, WFDB .dat).
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FormatError, type Limits } from '../types.js';
import { checkDims } from '../io.js';

/**
 * A scalar volume. Voxel (x, y, z) is `data[x + dims[0] * (y + dims[1] * z)]`: x varies fastest, as stored by
 * NIfTI, MetaImage, NRRD and DICOM (column, row, frame). Values are rescaled (e.g. Hounsfield units for CT).
 */
export interface Volume {
  dims: [number, number, number];
  /** Size of a voxel along x, y, z (mm for medical formats; 1 when the file does not say). */
  spacing: [number, number, number];
  data: Float32Array;
  /** DICOM Modality (e.g. 'CT', 'MR'), or 'CT' from MetaImage's Modality = MET_MOD_CT. */
  modality?: string;
  /** The window the file itself suggests (DICOM WindowCenter/WindowWidth), in rescaled units. */
  window?: { center: number; width: number };
  /** DICOM MONOCHROME1: the lowest value is shown white. */
  invert?: boolean;
  /**
   * The direction of voxel axes x, y, z in RAS world coordinates, when the header gives a direction matrix
   * (MetaImage TransformMatrix, NRRD space directions with an anatomical space), and the header it came from.
   */
  rasDirections?: [number[], number[], number[]];
  orientationFrom?: string;
}

/** Sign to turn each coordinate of an anatomical space into RAS (NRRD 'space' names; MetaImage/ITK is LPS). */
export const SPACE_TO_RAS: Readonly<Record<string, [number, number, number]>> = {
  'right-anterior-superior': [1, 1, 1], ras: [1, 1, 1],
  'left-anterior-superior': [-1, 1, 1], las: [-1, 1, 1],
  'left-posterior-superior': [-1, -1, 1], lps: [-1, -1, 1],
};

/** Three finite, non-zero 3-vectors in `space` as RAS directions, or undefined. */
export function rasDirections(vectors: number[][], space: string): [number[], number[], number[]] | undefined {
  const sign = SPACE_TO_RAS[space.toLowerCase()];
  if (!sign || vectors.length !== 3 || !vectors.every((v) => v.length === 3 && v.every(Number.isFinite) && v.some((x) => x !== 0))) return undefined;
  return vectors.map((v) => v.map((x, i) => x * sign[i]!)) as [number[], number[], number[]];
}

/** Float32 voxels allowed in one decoded volume: 512 MiB. */
export const MAX_VOLUME_BYTES = 512 * 2 ** 20;

export type SampleType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export const SAMPLE_BYTES: Readonly<Record<SampleType, number>> = {
  uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8,
};

/** Throws unless `dims` are positive integers within limits.maxAxis, limits.maxVoxels and the Float32 budget. */
export function checkVolumeDims(format: string, dims: readonly number[], limits: Limits): number {
  checkDims(format, [...dims], limits);
  const total = dims.reduce((a, b) => a * b, 1);
  if (total * 4 > MAX_VOLUME_BYTES) throw new FormatError(format, `volume ${dims.join('x')} exceeds the ${MAX_VOLUME_BYTES / 2 ** 20} MiB preview budget`);
  return total;
}

/** Exactly `length` bytes at `offset` of `path`, or FormatError('truncated ...'). */
export async function readRange(path: string, offset: number, length: number, format: string, what = 'data'): Promise<Buffer> {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new FormatError(format, `invalid ${what} offset`);
  }
  if (length > MAX_VOLUME_BYTES * 2) throw new FormatError(format, `${what} exceeds the preview budget`);
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (offset + length > size) throw new FormatError(format, `truncated ${what}`);
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) throw new FormatError(format, `truncated ${what}`);
      got += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/**
 * The path of a detached data file named inside a header. Only a plain file name in the header's own folder
 * is accepted: an absolute path, a sub-folder or '..' could point anywhere on the server.
 */
export function siblingPath(headerPath: string, name: string, format: string): string {
  const n = name.trim();
  if (n === '' || n !== basename(n) || n.includes('/') || n.includes('\\') || n === '.' || n === '..' || /^[A-Za-z]:/.test(n)) {
    throw new FormatError(format, 'data file must be in the same folder as the header');
  }
  return join(dirname(headerPath), n);
}

/**
 * Converts `count` samples of `type` starting at byte `offset` of `buf` to Float32, applying
 * value * slope + intercept.
 */
export function toFloat32(
  buf: Buffer, offset: number, count: number, type: SampleType, littleEndian: boolean, slope = 1, intercept = 0, format = 'volume',
): Float32Array {
  const bytes = SAMPLE_BYTES[type];
  if (offset + count * bytes > buf.length) throw new FormatError(format, 'truncated voxel data');
  const view = new DataView(buf.buffer, buf.byteOffset + offset, count * bytes);
  const out = new Float32Array(count);
  const le = littleEndian;
  const read: (i: number) => number = {
    uint8: (i: number) => view.getUint8(i),
    int8: (i: number) => view.getInt8(i),
    uint16: (i: number) => view.getUint16(i * 2, le),
    int16: (i: number) => view.getInt16(i * 2, le),
    uint32: (i: number) => view.getUint32(i * 4, le),
    int32: (i: number) => view.getInt32(i * 4, le),
    float32: (i: number) => view.getFloat32(i * 4, le),
    float64: (i: number) => view.getFloat64(i * 8, le),
  }[type];
  const scaled = slope !== 1 || intercept !== 0;
  for (let i = 0; i < count; i++) out[i] = scaled ? read(i) * slope + intercept : read(i);
  return out;
}

/**
 * Limits for inflating voxel data: Limits.maxReadBytes bounds the compressed bytes read for metadata, but
 * whole volumes need more; deflate never shrinks data by much, so maxDecompressedBytes (plus slack) bounds
 * the compressed input of a decoder as well.
 */
export function inflateLimits(limits: Limits): Limits {
  return { ...limits, maxReadBytes: Math.max(limits.maxReadBytes, limits.maxDecompressedBytes + 2 ** 20) };
}

/** Finite positive spacing values, 1 where missing or meaningless. */
export function spacing3(values: readonly (number | undefined)[]): [number, number, number] {
  const ok = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v !== 0 ? Math.abs(v) : 1);
  return [ok(values[0]), ok(values[1]), ok(values[2])];
}
