// Writers of small synthetic files for the pixel tests (not used by the server).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempFolder(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'medimg-pixels-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A NIfTI-1 single file (nifti1.h): 348-byte header, 4-byte extension flag, voxels at 352, int16 (datatype 4)
 * or float32 (16), little endian.
 */
export function niftiBytes(dims: number[], values: ArrayLike<number>, opts: { spacing?: number[]; float?: boolean; slope?: number; inter?: number } = {}): Buffer {
  const float = opts.float ?? false;
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  h.writeInt16LE(dims.length, 40);
  dims.forEach((d, i) => h.writeInt16LE(d, 42 + 2 * i));
  h.writeInt16LE(float ? 16 : 4, 70);
  h.writeInt16LE(float ? 32 : 16, 72);
  h.writeFloatLE(1, 76);
  (opts.spacing ?? [1, 1, 1]).forEach((s, i) => h.writeFloatLE(s, 80 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(opts.slope ?? 0, 112);
  h.writeFloatLE(opts.inter ?? 0, 116);
  h.write('n+1\0', 344, 'latin1');
  const body = Buffer.alloc(values.length * (float ? 4 : 2));
  for (let i = 0; i < values.length; i++) {
    if (float) body.writeFloatLE(values[i]!, 4 * i);
    else body.writeInt16LE(values[i]!, 2 * i);
  }
  return Buffer.concat([h, body]);
}

export function writeNifti(path: string, dims: number[], values: ArrayLike<number>, opts: Parameters<typeof niftiBytes>[2] = {}): string {
  writeFileSync(path, niftiBytes(dims, values, opts));
  return path;
}

/** int16 little-endian bytes. */
export function int16le(values: ArrayLike<number>): Buffer {
  const b = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) b.writeInt16LE(values[i]!, 2 * i);
  return b;
}

/** The value at voxel (x, y, z) of a volume's data. */
export function voxel(v: { dims: number[]; data: Float32Array }, x: number, y: number, z = 0): number {
  return v.data[x + v.dims[0]! * (y + v.dims[1]! * z)]!;
}
