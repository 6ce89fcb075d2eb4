// MAT v5 and HDF5 volumes decoded by pixels/mat.ts and pixels/hdf5.ts, on files written by SciPy and h5py
// (Debian's python3-scipy and python3-h5py, run at test time) and on the committed fixtures. The expected
// values are the arrays the Python script wrote.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileMeta } from '../index.js';
import { decodeVolume, sliceImage } from './index.js';
import { tempFolder } from './test-support.js';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures');
let tmp: ReturnType<typeof tempFolder>;
const at = (name: string) => join(tmp.dir, name);

beforeAll(() => {
  tmp = tempFolder();
  // v[z, y, x] = 100 z + 10 y + x (C order); MATLAB files get m[y, x, z] with the same values.
  const script = `
import numpy as np, scipy.io, h5py
z, y, x = np.meshgrid(np.arange(4), np.arange(3), np.arange(5), indexing='ij')
v = (100 * z + 10 * y + x)
m = np.transpose(v, (1, 2, 0))
scipy.io.savemat('plain.mat', {'first2d': np.ones((2, 2)), 'vol': m.astype(np.float64)}, do_compression=False)
scipy.io.savemat('zipped.mat', {'vol': m.astype(np.uint16)}, do_compression=True)
c = np.empty((2, 2, 2), dtype=object)
for i in np.ndindex(c.shape): c[i] = np.zeros(1)
scipy.io.savemat('cells.mat', {'c': c}, do_compression=False)
with h5py.File('plain.h5', 'w') as f:
    f.create_dataset('a_label', data=np.zeros(5, dtype=np.int32))
    f.create_dataset('b_volume', data=v.astype('>i2'))
with h5py.File('compact.h5', 'w') as f:
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    d = h5py.h5d.create(f.id, b'img', h5py.h5t.IEEE_F32LE, h5py.h5s.create_simple((3, 5)), dcpl=dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(v[0], dtype=np.float32))
with h5py.File('chunked.h5', 'w') as f:
    f.create_dataset('vol', data=v.astype(np.uint8), chunks=(1, 3, 5), compression='gzip')
`;
  writeFileSync(at('make.py'), script);
  execFileSync('/usr/bin/python3', ['make.py'], { cwd: tmp.dir });
});
afterAll(() => tmp.cleanup());

const expected = (x: number, y: number, z: number) => 100 * z + 10 * y + x;

function expectGrid(data: Float32Array, [nx, ny, nz]: number[]) {
  let wrong = 0;
  for (let z = 0; z < nz!; z++) for (let y = 0; y < ny!; y++) for (let x = 0; x < nx!; x++) if (data[x + nx! * (y + ny! * z)] !== expected(x, y, z)) wrong++;
  expect(wrong).toBe(0);
}

describe('MAT v5 volumes', () => {
  it('finds the first numeric 3D array, plain (double) or compressed (uint16), with rows down and columns across', async () => {
    for (const f of ['plain.mat', 'zipped.mat']) {
      const v = await decodeVolume(at(f), { kind: 'volume', format: 'mat' });
      expect(v.dims, f).toEqual([5, 3, 4]);
      expectGrid(v.data, v.dims);
    }
  });

  it('indexes a numeric 3D first variable as a volume, and cell arrays and 2D arrays as other', async () => {
    expect(await readFileMeta(at('zipped.mat'))).toEqual({ kind: 'volume', format: 'mat', height: 3, width: 5, depth: 4 });
    expect(await readFileMeta(at('cells.mat'))).toMatchObject({ kind: 'other', format: 'mat' });
    expect(await readFileMeta(at('plain.mat'))).toMatchObject({ kind: 'other', format: 'mat', height: 2, width: 2 });
    await expect(decodeVolume(at('cells.mat'), { kind: 'other', format: 'mat' })).rejects.toThrow(/no numeric array of three or more dimensions/);
    await expect(decodeVolume(join(FIXTURES, 'mat/v73.mat'), { kind: 'other', format: 'mat' })).rejects.toThrow(/v7\.3/);
  });

  it('decodes the SciPy fixture (int16 3 x 4 x 5, values 0..59 in C order)', async () => {
    const v = await decodeVolume(join(FIXTURES, 'mat/v5-int16-3x4x5.mat'), { kind: 'volume', format: 'mat' });
    expect(v.dims).toEqual([4, 3, 5]);
    // numpy a[r, c, p] = 20 r + 5 c + p; volume (x = c, y = r, z = p).
    expect(v.data[2 + 4 * (1 + 3 * 3)]).toBe(20 * 1 + 5 * 2 + 3);
  });
});

describe('HDF5 volumes', () => {
  it('reads the first 2D/3D numeric dataset of the root group, big-endian int16, shape (z, y, x)', async () => {
    expect(await readFileMeta(at('plain.h5'))).toEqual({ kind: 'volume', format: 'hdf5', width: 5, height: 3, depth: 4 });
    const v = await decodeVolume(at('plain.h5'), { kind: 'volume', format: 'hdf5' });
    expect(v.dims).toEqual([5, 3, 4]);
    expectGrid(v.data, v.dims);
    expect(sliceImage(v, 'axial', 3, { center: 350, width: 100 }).data[0]).toBe(Math.round((300 - 300) * 255 / 100));
  });

  it('reads a compact 2D dataset as one slice, and the h5py fixture', async () => {
    const v = await decodeVolume(at('compact.h5'), { kind: 'other', format: 'hdf5' });
    expect(v.dims).toEqual([5, 3, 1]);
    expectGrid(v.data, v.dims);
    const small = await decodeVolume(join(FIXTURES, 'hdf5/small.h5'), { kind: 'volume', format: 'hdf5' });
    expect(small.dims).toEqual([8, 8, 2]);
  });

  it('says why a chunked, compressed dataset is not previewed, and indexes it as other', async () => {
    await expect(decodeVolume(at('chunked.h5'), { kind: 'other', format: 'hdf5' })).rejects.toThrow(/chunked and compressed: not supported/);
    expect(await readFileMeta(at('chunked.h5'))).toEqual({ kind: 'other', format: 'hdf5' });
  });
});
