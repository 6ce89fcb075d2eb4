// MetaImage (TransformMatrix, LPS) and NRRD ("space", "space directions") volumes are reoriented like a NIfTI
// with the same sform: small synthetic files with an asymmetric marker must give the same voxels and put the
// marker at the same place on screen.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { sliceImage } from '../../formats/pixels/index.js';
import { int16le, niftiBytes } from '../../formats/pixels/test-support.js';
import { runVolume } from './render-task.js';

const tmp = tempDir('medimg-orient-');
afterAll(() => tmp.cleanup());

const DIMS = [4, 3, 2];
const SPACING = [1, 2, 3];
// Stored voxel (0,0,0) is the bright marker; (3,1,1) a second, dimmer one; the rest a small ramp.
const VALUES = Int16Array.from({ length: 24 }, (_, i) => (i === 0 ? 1000 : i === 3 + 4 * (1 + 3) ? 500 : i));

type Dirs = number[][]; // unit RAS direction of stored voxel axes i, j, k

function nifti(name: string, ras: Dirs): string {
  const b = niftiBytes(DIMS, VALUES, { spacing: SPACING });
  b.writeInt16LE(1, 254); // sform_code
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) b.writeFloatLE(ras[c]![r]! * SPACING[c]!, 280 + 16 * r + 4 * c);
  const path = join(tmp.dir, name);
  writeFileSync(path, b);
  return path;
}

function nrrd(name: string, space: string, vectors: Dirs | null): string {
  const lines = ['NRRD0004', 'type: short', 'dimension: 3', `sizes: ${DIMS.join(' ')}`, 'endian: little', 'encoding: raw'];
  if (space) lines.push(`space: ${space}`);
  if (vectors) lines.push(`space directions: ${vectors.map((v, i) => `(${v.map((x) => x * SPACING[i]!).join(',')})`).join(' ')}`);
  else lines.push(`spacings: ${SPACING.join(' ')}`);
  const path = join(tmp.dir, name);
  writeFileSync(path, Buffer.concat([Buffer.from(`${lines.join('\n')}\n\n`, 'latin1'), int16le(VALUES)]));
  return path;
}

function mha(name: string, lps: Dirs): string {
  const header = ['ObjectType = Image', 'NDims = 3', 'BinaryData = True', 'BinaryDataByteOrderMSB = False',
    `TransformMatrix = ${lps.flat().join(' ')}`, 'Offset = 0 0 0', 'AnatomicalOrientation = RAI',
    `ElementSpacing = ${SPACING.join(' ')}`, `DimSize = ${DIMS.join(' ')}`, 'ElementType = MET_SHORT', 'ElementDataFile = LOCAL'];
  const path = join(tmp.dir, name);
  writeFileSync(path, Buffer.concat([Buffer.from(`${header.join('\n')}\n`, 'latin1'), int16le(VALUES)]));
  return path;
}

const toLps = (d: Dirs) => d.map((v) => [-v[0]!, -v[1]!, v[2]!]);
const toLas = (d: Dirs) => d.map((v) => [-v[0]!, v[1]!, v[2]!]);
const vol = (path: string, format: string) => runVolume({ type: 'volume', paths: [path], meta: { kind: 'volume', format } });

const CASES: { name: string; ras: Dirs; marker: { plane: 'axial' | 'sagittal'; index: number; col: number; row: number } }[] = [
  // i runs to patient left, j to anterior (so y must flip), k to superior: the marker goes to the axial
  // image's bottom-left corner (patient right, posterior).
  { name: 'flip', ras: [[-1, 0, 0], [0, 1, 0], [0, 0, 1]], marker: { plane: 'axial', index: 0, col: 0, row: 2 } },
  // Sagittal storage: i to anterior, j to superior, k to the right. Reoriented 2 L x 4 P x 3 S; the marker
  // (i=0 most posterior, j=0 inferior, k=0 leftmost) is on sagittal slice x=1, right (posterior) column, bottom row.
  { name: 'permuted', ras: [[0, 1, 0], [0, 0, 1], [1, 0, 0]], marker: { plane: 'sagittal', index: 1, col: 3, row: 2 } },
];

describe('MetaImage and NRRD orientation headers', () => {
  for (const c of CASES) {
    it(`gives the same voxels and marker position as the equivalent NIfTI (${c.name})`, async () => {
      const ref = await vol(nifti(`${c.name}.nii`, c.ras), 'nifti');
      expect(ref.orientationKnown).toBe(true);
      const others = [
        await vol(nrrd(`${c.name}-ras.nrrd`, 'right-anterior-superior', c.ras), 'nrrd'),
        await vol(nrrd(`${c.name}-lps.nrrd`, 'LPS', toLps(c.ras)), 'nrrd'),
        await vol(nrrd(`${c.name}-las.nrrd`, 'left-anterior-superior', toLas(c.ras)), 'nrrd'),
        await vol(mha(`${c.name}.mha`, toLps(c.ras)), 'metaimage'),
      ];
      const w = { center: 500, width: 1000 };
      const shot = sliceImage(ref, c.marker.plane, c.marker.index, w);
      expect(shot.data[c.marker.row * shot.width + c.marker.col]).toBe(255);
      for (const o of others) {
        expect(o.orientationKnown).toBe(true);
        expect(o.orientationFrom).toMatch(/NRRD space directions|MetaImage TransformMatrix/);
        expect(o.dims).toEqual(ref.dims);
        expect(o.spacing.map((s) => Math.round(s * 1000) / 1000)).toEqual(ref.spacing);
        expect(Array.from(o.data)).toEqual(Array.from(ref.data));
        const s = sliceImage(o, c.marker.plane, c.marker.index, w);
        expect(s.data[c.marker.row * s.width + c.marker.col]).toBe(255);
      }
    });
  }

  it('shows as stored a NRRD with no anatomical space and a MetaImage with an identity matrix unchanged', async () => {
    const ras = CASES[0]!.ras;
    const plain = await vol(nrrd('plain.nrrd', '', null), 'nrrd');
    const scanner = await vol(nrrd('scanner.nrrd', 'scanner-xyz', ras), 'nrrd');
    for (const v of [plain, scanner]) {
      expect(v.orientationKnown).toBe(false);
      expect(v.orientationFrom).toBeUndefined();
      expect(Array.from(v.data)).toEqual(Array.from(VALUES));
    }
    // LPS identity: stored order already is the display order.
    const identity = await vol(mha('identity.mha', [[1, 0, 0], [0, 1, 0], [0, 0, 1]]), 'metaimage');
    expect(identity.orientationKnown).toBe(true);
    expect(Array.from(identity.data)).toEqual(Array.from(VALUES));
  });
});
