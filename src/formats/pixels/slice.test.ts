import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pydicomFile } from '../../../test/third-party.js';
import { CT_PRESETS, decodeVolume, defaultWindow, sliceImage } from './index.js';
import { tempFolder, writeNifti } from './test-support.js';
import type { Volume } from './volume.js';

const tmp = tempFolder();
afterAll(tmp.cleanup);

// A 4 x 3 x 5 volume (x, y, z) with spacing 1 x 2 x 3: every voxel holds 10 * z (a ramp along z), except a
// bright voxel of 1000 at the corner x = 0, y = 0, z = 0.
const [NX, NY, NZ] = [4, 3, 5];
async function asymmetric(): Promise<Volume> {
  const values: number[] = [];
  for (let z = 0; z < NZ; z++) for (let y = 0; y < NY; y++) for (let x = 0; x < NX; x++) values.push(x === 0 && y === 0 && z === 0 ? 1000 : 10 * z);
  const path = writeNifti(join(tmp.dir, 'asym.nii'), [NX, NY, NZ], values, { spacing: [1, 2, 3] });
  return decodeVolume(path, { kind: 'volume', format: 'nifti' });
}

/** The grey value at (column, row) of a slice. */
const px = (s: { width: number; data: Uint8Array }, c: number, r: number) => s.data[r * s.width + c];
// Window 0..1000: 1000 -> 255, 10 * z -> round(2.55 * z).
const W = { center: 500, width: 1000 };

describe('sliceImage orientation (synthetic NIfTI with a bright corner voxel and a ramp along z)', () => {
  it('axial: slice z, x to the right, y down', async () => {
    const v = await asymmetric();
    const s = sliceImage(v, 'axial', 0, W);
    expect([s.width, s.height, s.spacing]).toEqual([NX, NY, [1, 2]]);
    expect(px(s, 0, 0)).toBe(255); // the corner voxel is at the top left
    expect(s.data.filter((g) => g === 255)).toHaveLength(1);
    const top = sliceImage(v, 'axial', NZ - 1, W);
    expect(new Set(top.data)).toEqual(new Set([Math.round(40 * 0.255)]));
  });

  it('coronal: slice y, x to the right, z up (superior up)', async () => {
    const v = await asymmetric();
    const s = sliceImage(v, 'coronal', 0, W);
    expect([s.width, s.height, s.spacing]).toEqual([NX, NZ, [1, 3]]);
    expect(px(s, 0, NZ - 1)).toBe(255); // z = 0 is the bottom row
    expect(px(s, 1, NZ - 1)).toBe(0);
    expect(px(s, 0, 0)).toBe(Math.round(40 * 0.255)); // the top row is the last z
    expect(Array.from({ length: NZ }, (_, r) => px(s, 3, r))).toEqual([10, 8, 5, 3, 0]);
    expect(sliceImage(v, 'coronal', 1, W).data.includes(255)).toBe(false);
  });

  it('sagittal: slice x, y to the right, z up', async () => {
    const v = await asymmetric();
    const s = sliceImage(v, 'sagittal', 0, W);
    expect([s.width, s.height, s.spacing]).toEqual([NY, NZ, [2, 3]]);
    expect(px(s, 0, NZ - 1)).toBe(255);
    expect(px(s, NY - 1, NZ - 1)).toBe(0);
    expect(px(s, 0, 0)).toBe(10);
    expect(sliceImage(v, 'sagittal', NX - 1, W).data.includes(255)).toBe(false);
  });

  it('rejects an index outside the volume and a bad window', async () => {
    const v = await asymmetric();
    expect(() => sliceImage(v, 'axial', NZ, W)).toThrow(RangeError);
    expect(() => sliceImage(v, 'sagittal', -1, W)).toThrow(RangeError);
    expect(() => sliceImage(v, 'coronal', 1.5, W)).toThrow(RangeError);
    expect(() => sliceImage(v, 'axial', 0, { center: 0, width: 0 })).toThrow(RangeError);
  });
});

describe('windows', () => {
  const vol = (data: number[], extra: Partial<Volume> = {}): Volume => ({ dims: [data.length, 1, 1], spacing: [1, 1, 1], data: Float32Array.from(data), ...extra });

  it('exports the CT presets', () => {
    expect(CT_PRESETS).toEqual({
      lung: { center: -600, width: 1500 }, softTissue: { center: 40, width: 400 }, bone: { center: 400, width: 1800 }, brain: { center: 40, width: 80 },
    });
  });

  it('CT by modality or by Hounsfield-like values gets the soft-tissue window', async () => {
    const ct = await decodeVolume(pydicomFile('CT_small.dcm'), { kind: 'image', format: 'dicom' });
    expect(defaultWindow(ct)).toEqual(CT_PRESETS.softTissue);
    const hu = vol(Array.from({ length: 1000 }, (_, i) => (i < 300 ? -1000 : i < 900 ? 30 : 700)));
    expect(defaultWindow(hu)).toEqual(CT_PRESETS.softTissue);
  });

  it('otherwise the file window, else the 1st-99th percentile', () => {
    expect(defaultWindow(vol([1, 2, 3], { modality: 'MR', window: { center: 600, width: 1600 } }))).toEqual({ center: 600, width: 1600 });
    const ramp = vol(Array.from({ length: 101 }, (_, i) => i * 10));
    expect(defaultWindow(ramp)).toEqual({ center: 500, width: 980 });
    expect(defaultWindow(vol([5, 5, 5]))).toEqual({ center: 5, width: 1 });
  });

  it('applies the window linearly, clamps, and inverts MONOCHROME1', () => {
    const v = vol([-100, 0, 50, 255, 300]);
    const w = { center: 127.5, width: 255 };
    expect(Array.from(sliceImage(v, 'axial', 0, w).data)).toEqual([0, 0, 50, 255, 255]);
    expect(Array.from(sliceImage({ ...v, invert: true }, 'axial', 0, w).data)).toEqual([255, 255, 205, 0, 0]);
  });
});
