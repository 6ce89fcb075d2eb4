// One plane of a Volume as an 8-bit greyscale image, windowed for display.
//
// Orientation convention (voxel (x, y, z) as in Volume; image row 0 is the top):
//   axial    = the slice z = index, x to the right, y down (DICOM rows/columns as stored: for an LPS
//              DICOM series, patient right on the left and anterior up, the radiological view);
//   coronal  = the slice y = index, x to the right, z up (row 0 is the last z: superior up when z runs
//              from inferior to superior, as in DICOM LPS and NIfTI RAS);
//   sagittal = the slice x = index, y to the right, z up.
// Pixels are square in the output; `spacing` gives their physical size (width, height) so that the caller can
// stretch the image to the correct aspect.
import type { Volume } from './volume.js';

export type Plane = 'axial' | 'coronal' | 'sagittal';
export interface Window { center: number; width: number }
export interface SliceImage {
  width: number;
  height: number;
  /** width * height bytes, row by row from the top. */
  data: Uint8Array;
  /** Physical size of one output pixel: [horizontal, vertical]. */
  spacing: [number, number];
  /** The window used. */
  window: Window;
}

/** CT windows in Hounsfield units (common radiology presets). */
export const CT_PRESETS = Object.freeze({
  lung: Object.freeze({ center: -600, width: 1500 }),
  softTissue: Object.freeze({ center: 40, width: 400 }),
  bone: Object.freeze({ center: 400, width: 1800 }),
  brain: Object.freeze({ center: 40, width: 80 }),
});

const SAMPLES = 1 << 18;

/** Sorted finite values of an evenly spaced sample of at most 2^18 voxels. */
function sample(data: Float32Array): Float32Array {
  const step = Math.max(1, Math.floor(data.length / SAMPLES));
  const out = new Float32Array(Math.ceil(data.length / step));
  let n = 0;
  for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i]!)) out[n++] = data[i]!;
  return out.subarray(0, n).sort();
}

function percentile(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))]!;
}

/**
 * Hounsfield-like values: the 1st percentile is air (at most -900, above the -3024 some scanners write outside
 * the field of view) and the 99th stays below dense bone and metal.
 */
function looksLikeHU(sorted: Float32Array): boolean {
  const lo = percentile(sorted, 1);
  const hi = percentile(sorted, 99);
  return lo >= -3100 && lo <= -900 && hi < 4000 && hi > -500;
}

/**
 * The window shown when the caller gives none: for CT (by modality, or values that look like Hounsfield units)
 * the soft-tissue preset; otherwise the window the file suggests (DICOM WindowCenter/Width); otherwise the 1st
 * to 99th percentile of the volume's values, so that every slice of a volume is shown with the same window.
 */
export function defaultWindow(volume: Volume): Window {
  if (volume.modality === 'CT') return { ...CT_PRESETS.softTissue };
  if (volume.window) return { ...volume.window };
  const sorted = sample(volume.data);
  if (volume.modality === undefined && looksLikeHU(sorted)) return { ...CT_PRESETS.softTissue };
  const lo = percentile(sorted, 1);
  const hi = percentile(sorted, 99);
  if (hi > lo) return { center: (lo + hi) / 2, width: hi - lo };
  const min = sorted.length ? sorted[0]! : 0;
  const max = sorted.length ? sorted[sorted.length - 1]! : 0;
  return max > min ? { center: (min + max) / 2, width: max - min } : { center: min, width: 1 };
}

export function sliceCount(volume: Volume, plane: Plane): number {
  return volume.dims[plane === 'axial' ? 2 : plane === 'coronal' ? 1 : 0];
}

/**
 * The slice `index` (0-based along the plane's normal axis: z, y or x) as 8-bit grey. Linear window:
 * center - width/2 maps to 0 and center + width/2 to 255 (inverted for MONOCHROME1).
 * Throws RangeError for an index outside the volume or a non-positive window width.
 */
export function sliceImage(volume: Volume, plane: Plane, index: number, window?: Window): SliceImage {
  const [nx, ny, nz] = volume.dims;
  const [sx, sy, sz] = volume.spacing;
  const count = sliceCount(volume, plane);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`slice index ${index} is outside 0..${count - 1}`);
  const w = window ?? defaultWindow(volume);
  if (!(w.width > 0) || !Number.isFinite(w.center)) throw new RangeError('window width must be positive');
  const lo = w.center - w.width / 2;
  const scale = 255 / w.width;
  const inv = volume.invert === true;
  const v = volume.data;
  let width: number;
  let height: number;
  let spacing: [number, number];
  // at(col, row) -> index into volume.data
  let at: (c: number, r: number) => number;
  if (plane === 'axial') {
    [width, height, spacing] = [nx, ny, [sx, sy]];
    const base = index * nx * ny;
    at = (c, r) => base + r * nx + c;
  } else if (plane === 'coronal') {
    [width, height, spacing] = [nx, nz, [sx, sz]];
    at = (c, r) => (nz - 1 - r) * nx * ny + index * nx + c;
  } else {
    [width, height, spacing] = [ny, nz, [sy, sz]];
    at = (c, r) => (nz - 1 - r) * nx * ny + c * nx + index;
  }
  const data = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const value = v[at(c, r)]!;
      let g = Number.isNaN(value) ? 0 : Math.round((value - lo) * scale);
      g = g < 0 ? 0 : g > 255 ? 255 : g;
      data[r * width + c] = inv ? 255 - g : g;
    }
  }
  return { width, height, data, spacing, window: w };
}
