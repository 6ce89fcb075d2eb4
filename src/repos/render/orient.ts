// Reorientation of decoded volumes to one display convention, so that every plane is shown the same way
// whatever the storage order: voxel axes x -> patient Left, y -> Posterior, z -> Superior (DICOM LPS).
// With src/formats/pixels/slice.ts this gives the radiological view: axial with patient right on the image
// left and anterior up, coronal with right on the left and superior up, sagittal with anterior on the left
// and superior up.
import { stat } from 'node:fs/promises';
import { DEFAULT_LIMITS, inflatePrefix } from '../../formats/index.js';
import { readRange, type Volume } from '../../formats/pixels/volume.js';

export const ORIENTATION_TEXT = 'radiological: axial and coronal show the patient\'s right on the image left; axial has anterior up; coronal and sagittal have superior up; sagittal has anterior on the left';
export const STORED_ORDER_TEXT = 'as stored (the file gives no orientation): columns left to right, rows top to bottom, slices in file order with the last slice at the top of coronal and sagittal views';

/** Three direction vectors (world axes, RAS for NIfTI) of voxel axes i, j, k. */
export type Directions = [number[], number[], number[]];

/**
 * The direction part of a NIfTI-1/-2 header's voxel-to-world transform: the sform when sform_code > 0, else the
 * qform when qform_code > 0 (nifti1.h "METHOD 3" then "METHOD 2"), else null (Analyze-style, orientation unknown).
 */
export async function niftiDirections(path: string): Promise<Directions | null> {
  const size = (await stat(path)).size;
  let h = await readRange(path, 0, Math.min(size, 540), 'nifti', 'header');
  if (h[0] === 0x1f && h[1] === 0x8b) h = await inflatePrefix({ path, size }, 540, DEFAULT_LIMITS, 'nifti');
  if (h.length < 348) return null;
  let v2 = false;
  let le = true;
  if (h.readInt32LE(0) === 348) le = true;
  else if (h.readInt32BE(0) === 348) le = false;
  else if (h.length >= 540 && h.readInt32LE(0) === 540) v2 = true;
  else if (h.length >= 540 && h.readInt32BE(0) === 540) [v2, le] = [true, false];
  else return null;
  const i16 = (o: number) => (le ? h.readInt16LE(o) : h.readInt16BE(o));
  const i32 = (o: number) => (le ? h.readInt32LE(o) : h.readInt32BE(o));
  const f = (o: number) => (v2 ? (le ? h.readDoubleLE(o) : h.readDoubleBE(o)) : le ? h.readFloatLE(o) : h.readFloatBE(o));
  // nifti1.h: qform_code @252, sform_code @254, quatern_b/c/d @256, srow_x/y/z @280/296/312, pixdim[0] (qfac) @76.
  // nifti2.h: qform_code @344, sform_code @348, quatern_b @352, srow_x @400 (doubles), pixdim @104.
  const [qcode, scode] = v2 ? [i32(344), i32(348)] : [i16(252), i16(254)];
  const w = v2 ? 8 : 4;
  if (scode > 0) {
    const srow = v2 ? 400 : 280;
    const row = (r: number) => [0, 1, 2].map((c) => f(srow + (4 * r + c) * w));
    const rows = [row(0), row(1), row(2)];
    return valid([0, 1, 2].map((c) => rows.map((r) => r[c]!)) as Directions);
  }
  if (qcode > 0) {
    const q = v2 ? 352 : 256;
    const [b, c, d] = [f(q), f(q + w), f(q + 2 * w)];
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = f(v2 ? 104 : 76) < 0 ? -1 : 1;
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    return valid([0, 1, 2].map((k) => R.map((r) => r[k]! * (k === 2 ? qfac : 1))) as Directions);
  }
  return null;
}

function valid(d: Directions): Directions | null {
  return d.every((v) => v.every(Number.isFinite) && v.some((x) => x !== 0)) ? d : null;
}

/**
 * For each voxel axis, the LPS axis it runs along and whether it runs backwards, from RAS directions; null when
 * two voxel axes run along the same patient axis (a degenerate or heavily oblique transform).
 */
export function lpsAxes(rasDirections: Directions): { axis: number; flip: boolean }[] | null {
  const out = rasDirections.map((v) => {
    const lps = [-v[0]!, -v[1]!, v[2]!];
    const axis = [0, 1, 2].reduce((best, k) => (Math.abs(lps[k]!) > Math.abs(lps[best]!) ? k : best), 0);
    return { axis, flip: lps[axis]! < 0 };
  });
  return new Set(out.map((o) => o.axis)).size === 3 ? out : null;
}

/** The volume with its voxels permuted and flipped so that x, y, z run towards L, P, S. */
export function reorient(volume: Volume, axes: { axis: number; flip: boolean }[]): Volume {
  const identity = axes.every((a, i) => a.axis === i && !a.flip);
  if (identity) return volume;
  const dims: [number, number, number] = [0, 0, 0];
  const spacing: [number, number, number] = [1, 1, 1];
  axes.forEach((a, i) => {
    dims[a.axis] = volume.dims[i]!;
    spacing[a.axis] = volume.spacing[i]!;
  });
  const stride = [1, dims[0], dims[0] * dims[1]];
  let base = 0;
  const step = axes.map((a, i) => {
    if (a.flip) base += (volume.dims[i]! - 1) * stride[a.axis]!;
    return a.flip ? -stride[a.axis]! : stride[a.axis]!;
  });
  const [nx, ny, nz] = volume.dims;
  const src = volume.data;
  const out = new Float32Array(src.length);
  let p = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      let o = base + y * step[1]! + z * step[2]!;
      for (let x = 0; x < nx; x++, o += step[0]!) out[o] = src[p++]!;
    }
  }
  return { ...volume, dims, spacing, data: out };
}

/**
 * ImageOrientationPatient (0020,0037) of a DICOM file, found in its first 256 KiB: the direction cosines of the
 * rows (the direction of increasing column index) and of the columns (increasing row index), in LPS. Only a value
 * of six numbers forming two unit vectors is accepted (PS3.3 C.7.6.2.1.1), so a stray byte match is ignored.
 */
export async function dicomOrientation(path: string): Promise<[number[], number[]] | null> {
  const size = (await stat(path)).size;
  const buf = await readRange(path, 0, Math.min(size, 256 * 1024), 'dicom', 'header');
  const tags: [Buffer, boolean][] = [[Buffer.from([0x20, 0x00, 0x37, 0x00]), true], [Buffer.from([0x00, 0x20, 0x00, 0x37]), false]];
  for (const [tag, le] of tags) {
    for (let at = buf.indexOf(tag); at >= 0; at = buf.indexOf(tag, at + 1)) {
      // Explicit VR: 'DS' then a 2-byte length; implicit VR (little endian only): a 4-byte length.
      const explicit = buf.toString('latin1', at + 4, at + 6) === 'DS';
      const len = explicit ? (le ? buf.readUInt16LE(at + 6) : buf.readUInt16BE(at + 6)) : le && at + 8 <= buf.length ? buf.readUInt32LE(at + 4) : -1;
      const start = at + 8;
      if (len < 11 || len > 200 || start + len > buf.length) continue;
      const v = buf.toString('latin1', start, start + len).trim().split('\\').map(Number);
      if (v.length !== 6 || !v.every(Number.isFinite)) continue;
      const row = v.slice(0, 3);
      const col = v.slice(3, 6);
      const unit = (u: number[]) => Math.abs(Math.hypot(u[0]!, u[1]!, u[2]!) - 1) < 0.01;
      if (unit(row) && unit(col)) return [row, col];
    }
  }
  return null;
}

/** LPS directions to the RAS ones lpsAxes takes. */
export function lpsToRas(d: Directions): Directions {
  return d.map((v) => [-v[0]!, -v[1]!, v[2]!]) as Directions;
}
