// A 3D Shepp–Logan head phantom in Hounsfield-like units, with a segmentation mask and an asymmetric
// orientation marker, for the synthetic demo mirror. Pure arithmetic: no I/O, deterministic.
//
// Ellipsoids: the ten of the "modified Shepp–Logan" 3D phantom (Toft's higher-contrast intensities, as in
// M. Schabel's phantom3d), each rotated about z only. Voxel (x, y, z) is stored x fastest, in the patient
// frame of DICOM (LPS): x grows toward the patient's left, y toward posterior, z toward superior. So the
// axial view of this volume, rows and columns as stored, is the radiological view (patient right on the
// left of the screen, anterior up).
//
// Orientation marker: a dense block outside the head, at the patient's LEFT, ANTERIOR, SUPERIOR corner
// region. No mirror image or rotation of the phantom puts it back in that place, so a viewer that flips an
// axis shows it somewhere else.

export interface Ellipsoid {
  /** Additive intensity. */
  a: number;
  /** Semi-axes, in the normalised [-1, 1] frame. */
  rx: number; ry: number; rz: number;
  /** Centre, in the normalised frame. */
  cx: number; cy: number; cz: number;
  /** Rotation about z, degrees. */
  phi: number;
}

const E = (a: number, rx: number, ry: number, rz: number, cx: number, cy: number, cz: number, phi: number): Ellipsoid => ({ a, rx, ry, rz, cx, cy, cz, phi });

// The phantom's y axis points toward the top of the head drawing (anterior): it is flipped to LPS below.
export const SHEPP_LOGAN_3D: readonly Ellipsoid[] = Object.freeze([
  E(1.0, 0.69, 0.92, 0.81, 0, 0, 0, 0),
  E(-0.8, 0.6624, 0.874, 0.78, 0, -0.0184, 0, 0),
  E(-0.2, 0.11, 0.31, 0.22, 0.22, 0, 0, -18),
  E(-0.2, 0.16, 0.41, 0.28, -0.22, 0, 0, 18),
  E(0.1, 0.21, 0.25, 0.41, 0, 0.35, -0.15, 0),
  E(0.1, 0.046, 0.046, 0.05, 0, 0.1, 0.25, 0),
  E(0.1, 0.046, 0.046, 0.05, 0, -0.1, 0.25, 0),
  E(0.1, 0.046, 0.023, 0.05, -0.08, -0.605, 0, 0),
  E(0.1, 0.023, 0.023, 0.02, 0, -0.606, 0, 0),
  E(0.1, 0.023, 0.046, 0.02, 0.06, -0.605, 0, 0),
]);

/** Mask labels. */
export const MASK_LABELS = Object.freeze({ 1: 'ventricles', 2: 'lesions', 3: 'orientation marker' });

/**
 * The marker block in the normalised LPS frame (x: +left, y: +posterior, z: +superior): left, anterior,
 * superior, in the air outside the skull.
 */
export const MARKER = Object.freeze({ cx: 0.78, cy: -0.78, cz: 0.5, half: 0.09, hu: 1500 });

export const AIR_HU = -1000;

/**
 * Half-height of the sampled z range in the normalised frame: slices cover z in (-0.8, 0.8), so that even the
 * first and last slices cut the skull (its ellipsoid reaches ±0.81) and no slice is empty air.
 */
export const Z_EXTENT = 0.8;

/** Phantom intensity -> HU-like value: skull ~750, brain ~30, ventricles ~-150, lesions ~120. */
const toHu = (v: number) => Math.round(900 * v - 150);

export interface Phantom {
  dims: [number, number, number];
  /** mm, along x, y, z. */
  spacing: [number, number, number];
  /** HU-like values, x fastest. */
  hu: Int16Array;
  /** 0 background, 1 ventricles, 2 lesions, 3 marker. */
  mask: Uint8Array;
  /** Voxel index ranges [min, max] of the marker along x, y, z. */
  marker: [[number, number], [number, number], [number, number]];
}

/** Normalised coordinate of the centre of voxel i of n: (-1, 1). */
const norm = (i: number, n: number) => (2 * i + 1) / n - 1;

function inside(e: Ellipsoid, x: number, y: number, z: number): boolean {
  const t = (e.phi * Math.PI) / 180;
  const dx = x - e.cx;
  const dy = y - e.cy;
  const u = dx * Math.cos(t) + dy * Math.sin(t);
  const v = -dx * Math.sin(t) + dy * Math.cos(t);
  const w = z - e.cz;
  return (u / e.rx) ** 2 + (v / e.ry) ** 2 + (w / e.rz) ** 2 <= 1;
}

/**
 * The phantom sampled on an nx × ny × nz grid: `fieldMm` millimetres across x and y, and Z_EXTENT of that
 * along z (the voxels are not cubic unless nz = nx * Z_EXTENT).
 */
export function sheppLogan3d(nx: number, ny: number, nz: number, fieldMm = 192): Phantom {
  const hu = new Int16Array(nx * ny * nz);
  const mask = new Uint8Array(nx * ny * nz);
  // Voxel indices whose centres fall within the marker: norm(i, n) * scale in [c - half, c + half].
  const range = (c: number, n: number, scale = 1): [number, number] => {
    const lo = Math.ceil((((c - MARKER.half) / scale + 1) * n - 1) / 2);
    const hi = Math.floor((((c + MARKER.half) / scale + 1) * n - 1) / 2);
    return [lo, hi];
  };
  const marker: Phantom['marker'] = [range(MARKER.cx, nx), range(MARKER.cy, ny), range(MARKER.cz, nz, Z_EXTENT)];
  for (let k = 0; k < nz; k++) {
    const z = norm(k, nz) * Z_EXTENT;
    for (let j = 0; j < ny; j++) {
      // LPS y (posterior) is the phantom drawing's -y (its +y is anterior).
      const yp = -norm(j, ny);
      for (let i = 0; i < nx; i++) {
        const x = norm(i, nx);
        const at = i + nx * (j + ny * k);
        let v = 0;
        let label = 0;
        let head = false;
        SHEPP_LOGAN_3D.forEach((e, n) => {
          if (!inside(e, x, yp, z)) return;
          v += e.a;
          if (n === 0) head = true;
          if (n === 2 || n === 3) label = 1;
          if (n >= 4) label = 2;
        });
        hu[at] = head ? toHu(v) : AIR_HU;
        if (i >= marker[0][0] && i <= marker[0][1] && j >= marker[1][0] && j <= marker[1][1] && k >= marker[2][0] && k <= marker[2][1]) {
          hu[at] = MARKER.hu;
          label = 3;
        }
        mask[at] = label;
      }
    }
  }
  return { dims: [nx, ny, nz], spacing: [fieldMm / nx, fieldMm / ny, Math.round(((fieldMm * Z_EXTENT) / nz) * 1e6) / 1e6], hu, mask, marker };
}

/** Every `f`-th voxel along each axis (nearest neighbour), for the small MAT and HDF5 copies. */
export function downsample(p: Phantom, f: number): Phantom {
  const [nx, ny, nz] = p.dims.map((d) => Math.floor(d / f)) as [number, number, number];
  const hu = new Int16Array(nx * ny * nz);
  const mask = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const src = i * f + p.dims[0] * (j * f + p.dims[1] * k * f);
        hu[i + nx * (j + ny * k)] = p.hu[src]!;
        mask[i + nx * (j + ny * k)] = p.mask[src]!;
      }
    }
  }
  const r = (m: [number, number]): [number, number] => [Math.ceil(m[0] / f), Math.floor(m[1] / f)];
  return {
    dims: [nx, ny, nz], spacing: [p.spacing[0] * f, p.spacing[1] * f, p.spacing[2] * f], hu, mask,
    marker: [r(p.marker[0]), r(p.marker[1]), r(p.marker[2])],
  };
}
