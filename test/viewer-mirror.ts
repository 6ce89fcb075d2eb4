// Test support for the viewer endpoint tests: a real ingested mirror of generated volumes with a known
// asymmetric pattern and affine, nibabel's and pydicom's real files, and the fixtures of test/fixtures written by
// other software; plus pixel helpers. Not used by the server.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { startTestApp } from './helpers.js';
import { nibabelFile, pydicomFile } from './third-party.js';
import { niftiBytes } from '../src/formats/pixels/test-support.js';
import { startWorker } from '../src/main.js';

const FIX = resolve(import.meta.dirname, 'fixtures');
export const SLUG = 'alpha-lung-ct';

// An 8 x 6 x 4 volume, voxel axes along RAS (sform = diag(1, 2, 3)), 0 everywhere except a 2 x 1 x 1 marker at
// x = 0..1 (the patient's left-most columns: RAS x grows to the right), y = 0 (posterior-most), z = 3
// (superior-most), and a 1 x 1 x 1 dimmer marker at x = 7, y = 5, z = 0, at the opposite corner.
export const [NX, NY, NZ] = [8, 6, 4];
function markerVolume(): Buffer {
  const v = new Int16Array(NX * NY * NZ);
  const at = (x: number, y: number, z: number) => x + NX * (y + NY * z);
  v[at(0, 0, 3)] = 1000;
  v[at(1, 0, 3)] = 1000;
  v[at(7, 5, 0)] = 500;
  const buf = niftiBytes([NX, NY, NZ], v, { spacing: [1, 2, 3] });
  // nifti1.h: sform_code @254 = 1 (scanner), srow_x/y/z @280/296/312 = identity rows.
  buf.writeInt16LE(1, 254);
  [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0]].forEach((row, r) => row.forEach((x, c) => buf.writeFloatLE(x, 280 + 16 * r + 4 * c)));
  return buf;
}

function maskVolume(): Buffer {
  const v = new Int16Array(NX * NY * NZ);
  v[0 + NX * (0 + NY * 3)] = 1; // under the marker
  v[7 + NX * (5 + NY * 0)] = 2;
  const buf = niftiBytes([NX, NY, NZ], v, { spacing: [1, 2, 3] });
  buf.writeInt16LE(1, 254);
  [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0]].forEach((row, r) => row.forEach((x, c) => buf.writeFloatLE(x, 280 + 16 * r + 4 * c)));
  return buf;
}

/**
 * pydicom's CT_small.dcm turned into slice `n` of a coronal series: same-length edits of three values, a new
 * SeriesInstanceUID, ImageOrientationPatient rows along +x (L) and columns along -z (towards the feet), and
 * ImagePositionPatient stepping 1 mm along +y (P). Row 0 of each image is then its most superior row.
 */
export function coronalSlice(n: number): Buffer {
  const d = readFileSync(pydicomFile('CT_small.dcm'));
  const swap = (from: string, to: string) => {
    if (from.length !== to.length) throw new Error('same-length edits only');
    const at = d.indexOf(from, 0, 'latin1');
    if (at < 0 || d.indexOf(from, at + 1, 'latin1') >= 0) throw new Error(`${from} is not in CT_small.dcm exactly once`);
    d.write(to, at, 'latin1');
  };
  swap('1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322', '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.99999');
  swap('1.000000\\0.000000\\0.000000\\0.000000\\1.000000\\0.000000 ', '1.000000\\0.000000\\0.000000\\0.000000\\0.000000\\-1.000000');
  swap('-158.135803\\-179.035797\\-75.699997', `-158.135803\\-${179 - n}.035797\\-75.699997`);
  return d;
}

/** A test app over a mirror of every viewer's kind of file, ingested; `id(path)` is a file's id. */
export async function startViewerMirror() {
  const t = await startTestApp();
  const ids = new Map<string, number>();
  const root = join(t.config.dataDir, 'mirror');
  const put = (rel: string, from: string | Buffer) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    if (typeof from === 'string') copyFileSync(from, join(root, rel));
    else writeFileSync(join(root, rel), from);
  };
  put('vol/marker.nii', markerVolume());
  put('vol/marker_mask.nii', maskVolume());
  put('real/anatomical.nii', nibabelFile('anatomical.nii'));
  put('real/example4d.nii.gz', nibabelFile('example4d.nii.gz'));
  put('real/CT_small.dcm', pydicomFile('CT_small.dcm'));
  put('real/MR_small.dcm', pydicomFile('MR_small.dcm'));
  put('real/rtdose.dcm', pydicomFile('rtdose.dcm'));
  for (const n of [1, 2, 3]) put(`series/ct${n}.dcm`, pydicomFile('CT_small.dcm'));
  for (const n of [0, 1, 2]) put(`coronal/c${n}.dcm`, coronalSlice(n));
  put('img/gray16.png', join(FIX, 'png/gray16.png'));
  put('img/rgb24.bmp', join(FIX, 'bmp/rgb24.bmp'));
  put('img/gray16.pgm', join(FIX, 'netpbm/gray16.pgm'));
  put('img/pages3-gray16.tif', join(FIX, 'tiff/pages3-gray16.tif'));
  put('sig/ecg2.hea', join(FIX, 'wfdb/ecg2.hea'));
  put('sig/ecg2.dat', join(FIX, 'wfdb/ecg2.dat'));
  put('sig/ecg3.edf', join(FIX, 'edf/ecg3.edf'));
  put('sig/ecg-time.csv', join(FIX, 'csv/ecg-time.csv'));
  put('audio/stereo16-8k.wav', join(FIX, 'wav/stereo16-8k.wav'));
  put('audio/vorbis-mono-22k.ogg', join(FIX, 'ogg/vorbis-mono-22k.ogg'));
  put('video/h264-32x24.mp4', join(FIX, 'mp4/h264-32x24.mp4'));
  put('video/mjpeg-32x24.avi', join(FIX, 'avi/mjpeg-32x24.avi'));
  // A 2D image and its mask (images/ + masks/): label 1 at (2, 3), label 2 at (5, 1), 0 elsewhere.
  const labels = Buffer.alloc(8 * 6);
  labels[3 * 8 + 2] = 1;
  labels[1 * 8 + 5] = 2;
  put('seg/images/a.png', await sharp(Buffer.alloc(8 * 6, 90), { raw: { width: 8, height: 6, channels: 1 } }).png().toBuffer());
  put('seg/masks/a.png', await sharp(labels, { raw: { width: 8, height: 6, channels: 1 } }).png().toBuffer());
  await t.services.ingest.request(SLUG, root, 'folders');
  const worker = startWorker(t.services);
  while (await worker.runOne()) { /* drain */ }
  const list = await t.app.inject(`/api/v1/datasets/${SLUG}/files?per_page=200`);
  for (const f of list.json().items as { id: number; path: string }[]) ids.set(f.path, f.id);
  return {
    t,
    id(path: string): number {
      const v = ids.get(path);
      if (v === undefined) throw new Error(`${path} was not indexed`);
      return v;
    },
    get: (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers }),
    close: () => t.close(),
  };
}
export type ViewerMirror = Awaited<ReturnType<typeof startViewerMirror>>;

/** Grey value (first channel) of every pixel of a PNG/WebP, row by row. */
export async function pixels(buf: Buffer): Promise<{ width: number; height: number; channels: number; at: (c: number, r: number, ch?: number) => number }> {
  const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, at: (c, r, ch = 0) => data[(r * info.width + c) * info.channels + ch]! };
}

/** Columns and rows of the pixels brighter than `min`. */
export async function bright(buf: Buffer, min = 128): Promise<[number, number][]> {
  const p = await pixels(buf);
  const out: [number, number][] = [];
  for (let r = 0; r < p.height; r++) for (let c = 0; c < p.width; c++) if (p.at(c, r) >= min) out.push([c, r]);
  return out;
}

