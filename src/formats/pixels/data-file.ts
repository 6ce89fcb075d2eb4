// Reading the voxel bytes of text-header formats (MetaImage, NRRD): a bounded header read, and the data
// either raw at an offset or inflated (gzip / zlib) with a hard cap on the output.
import { open } from 'node:fs/promises';
import { inflatePrefix } from '../io.js';
import { FormatError, type Limits } from '../types.js';
import { inflateLimits, readRange } from './volume.js';

export const MAX_TEXT_HEADER = 64 * 1024;

/** The first bytes of a file (up to MAX_TEXT_HEADER) and the file's size. */
export async function readTextHead(path: string): Promise<{ head: Buffer; size: number }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(Math.min(size, MAX_TEXT_HEADER));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { head: buf.subarray(0, bytesRead), size };
  } finally {
    await fh.close();
  }
}

export interface DataSpec {
  path: string;
  /** Where the (possibly compressed) data starts in the file; -1 for raw data that ends at the end of the file. */
  offset: number;
  /** Bytes of voxel data wanted (after decompression). */
  bytes: number;
  encoding: 'raw' | 'gzip' | 'zlib';
  /** Bytes to drop from the decompressed stream before the voxels (NRRD "byte skip" with gzip). */
  skip?: number;
}

export async function readData(spec: DataSpec, limits: Limits, format: string): Promise<Buffer> {
  if (spec.encoding === 'raw') {
    let offset = spec.offset;
    if (offset === -1) {
      const fh = await open(spec.path, 'r');
      const { size } = await fh.stat().finally(() => fh.close());
      offset = size - spec.bytes;
      if (offset < 0) throw new FormatError(format, 'truncated voxel data');
    }
    return readRange(spec.path, offset, spec.bytes, format, 'voxel data');
  }
  const skip = spec.skip ?? 0;
  const want = skip + spec.bytes;
  if (want > limits.maxDecompressedBytes) throw new FormatError(format, 'decompressed size exceeds the limit');
  const out = await inflatePrefix({ path: spec.path, size: 0 }, want, inflateLimits(limits), format, {
    offset: Math.max(0, spec.offset), compression: spec.encoding,
  });
  if (out.length < want) throw new FormatError(format, 'truncated voxel data');
  return out.subarray(skip, want);
}

export function numbers(value: string | undefined): number[] {
  if (value === undefined) return [];
  return value.trim().split(/[\s,]+/).filter((t) => t !== '').map(Number);
}
