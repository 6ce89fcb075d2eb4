// The volume endpoints over a real ingested mirror (test/viewer-mirror.ts): description, slices in the
// three planes with a known asymmetric pattern, windowing, masks, caching and errors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nibabelFile } from '../../test/third-party.js';
import { niftiBytes } from '../formats/pixels/test-support.js';
import { startWorker } from '../main.js';
import { bright, NX, NY, NZ, pixels, startViewerMirror, type ViewerMirror } from '../../test/viewer-mirror.js';

let m: ViewerMirror;
beforeAll(async () => { m = await startViewerMirror(); }, 120_000);
afterAll(async () => { await m?.close(); });
const id = (path: string) => m.id(path);
const get = (url: string, headers: Record<string, string> = {}) => m.get(url, headers);

describe('FileItem.viewer and pair_id', () => {
  it('gives each file its viewer and links a mask with its image', async () => {
    const f = async (p: string) => (await get(`/api/v1/files/${id(p)}`)).json();
    expect((await f('vol/marker.nii')).viewer).toBe('volume');
    expect((await f('vol/marker.nii')).pair_id).toBe(id('vol/marker_mask.nii'));
    expect((await f('vol/marker_mask.nii')).pair_id).toBe(id('vol/marker.nii'));
    expect((await f('img/gray16.png')).viewer).toBe('image');
    expect((await f('sig/ecg2.hea')).viewer).toBe('signal');
    expect((await f('audio/vorbis-mono-22k.ogg')).viewer).toBe('audio');
    expect((await f('video/mjpeg-32x24.avi')).viewer).toBe('video');
    expect((await f('sig/ecg2.dat')).viewer).toBe('none');
    expect((await f('img/gray16.png')).pair_id).toBeNull();
  });
});

describe('GET /api/v1/files/:id/volume', () => {
  it('describes planes, spacing, aspect, orientation and the paired mask', async () => {
    const res = await get(`/api/v1/files/${id('vol/marker.nii')}/volume`);
    expect(res.statusCode).toBe(200);
    const v = res.json();
    expect(v).toMatchObject({
      dims: [NX, NY, NZ], spacing: [1, 2, 3], orientation_known: true, ct: false, presets: [], is_mask: false,
      mask_id: id('vol/marker_mask.nii'), value_range: { min: 0, max: 1000 }, series_uid: null, file_ids: [id('vol/marker.nii')],
      planes: {
        axial: { slices: NZ, width: NX, height: NY, pixel_spacing: [1, 2] },
        coronal: { slices: NY, width: NX, height: NZ, pixel_spacing: [1, 3] },
        sagittal: { slices: NX, width: NY, height: NZ, pixel_spacing: [2, 3] },
      },
    });
    expect(v.planes.axial.aspect).toBeCloseTo((8 * 1) / (6 * 2));
    expect(v.planes.sagittal.aspect).toBeCloseTo((6 * 2) / (4 * 3));
    expect(v.orientation).toMatch(/radiological/);
    const mask = (await get(`/api/v1/files/${id('vol/marker_mask.nii')}/volume`)).json();
    expect(mask).toMatchObject({ is_mask: true, mask_id: null });
  });

  it('offers the CT presets for a CT and reads a whole DICOM series as one volume', async () => {
    const ct = (await get(`/api/v1/files/${id('real/CT_small.dcm')}/volume`)).json();
    expect(ct.ct).toBe(true);
    expect(ct.modality).toBe('CT');
    expect(ct.presets.map((p: { name: string }) => p.name)).toEqual(['lung', 'soft_tissue', 'bone', 'brain']);
    expect(ct.presets[0]).toMatchObject({ label: 'Lung', level: -600, window: 1500 });
    const series = (await get(`/api/v1/files/${id('series/ct2.dcm')}/volume`)).json();
    // Every file of the dataset with that SeriesInstanceUID: the three copies and real/CT_small.dcm itself.
    const members = ['series/ct1.dcm', 'series/ct2.dcm', 'series/ct3.dcm', 'real/CT_small.dcm'].map(id);
    expect([...series.file_ids].sort((a: number, b: number) => a - b)).toEqual(members.sort((a, b) => a - b));
    expect(series.planes.axial.slices).toBe(4);
    expect(series.dims).toEqual([128, 128, 4]);
    expect(series.orientation_known).toBe(false);
  });

  it('reorients a coronal DICOM series from ImageOrientationPatient and the slice positions', async () => {
    const v = (await get(`/api/v1/files/${id('coronal/c1.dcm')}/volume`)).json();
    // Columns run to L (x), rows to the feet (flipped onto S), slices to P: 128 L x 3 P x 128 S.
    expect(v).toMatchObject({ dims: [128, 3, 128], orientation_known: true, planes: { coronal: { slices: 3, width: 128, height: 128 } } });
    expect(v.spacing[1]).toBeCloseTo(1, 5);
    // The coronal view is each stored image as it is (row 0, the most superior, at the top).
    const q = 'format=png&window=400&level=40';
    const coronal = await pixels((await get(`/api/v1/files/${id('coronal/c1.dcm')}/slice?plane=coronal&index=1&${q}`)).rawPayload);
    const stored = await pixels((await get(`/api/v1/files/${id('coronal/c1.dcm')}/image?${q}`)).rawPayload);
    let same = 0;
    for (let r = 0; r < 128; r++) for (let c = 0; c < 128; c++) if (coronal.at(c, r) === stored.at(c, r)) same++;
    expect(same).toBe(128 * 128);
    expect(coronal.at(64, 10)).not.toBe(coronal.at(64, 117)); // an asymmetric image, so a flip would show
  });

  it('reads a multi-frame DICOM and the first volume of a 4D NIfTI', async () => {
    const rt = (await get(`/api/v1/files/${id('real/rtdose.dcm')}/volume`)).json();
    expect(rt.planes.axial.slices).toBeGreaterThan(1);
    const four = (await get(`/api/v1/files/${id('real/example4d.nii.gz')}/volume`)).json();
    expect(four.dims.reduce((a: number, b: number) => a * b, 1)).toBeGreaterThan(1);
  });

  it('stacks the pages of a multi-page TIFF into a volume', async () => {
    // test/fixtures/tiff/pages3-gray16.tif: 24x16 pages "gradient:black-white gradient:white-black gradient:gray-black".
    const v = (await get(`/api/v1/files/${id('img/pages3-gray16.tif')}/volume`)).json();
    expect(v).toMatchObject({ dims: [24, 16, 3], planes: { axial: { slices: 3 } }, value_range: { min: 0, max: 65535 } });
    const page = async (i: number) => pixels((await get(`/api/v1/files/${id('img/pages3-gray16.tif')}/slice?plane=axial&index=${i}&format=png&window=65535&level=32767.5`)).rawPayload);
    const [p0, p1] = [await page(0), await page(1)];
    expect(p0.at(0, 0)).toBeLessThan(p0.at(0, 15));
    expect(p1.at(0, 0)).toBeGreaterThan(p1.at(0, 15));
  });

  it('refuses what is not a volume with a clear code', async () => {
    const res = await get(`/api/v1/files/${id('img/gray16.png')}/volume`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('not_a_volume');
    expect((await get('/api/v1/files/999999/volume')).statusCode).toBe(404);
  });
});

describe('GET /api/v1/files/:id/slice', () => {
  const slice = (path: string, q: string) => get(`/api/v1/files/${id(path)}/slice?${q}`);

  it('shows the marker where the radiological convention puts it, in all three planes', async () => {
    // RAS voxel axes: x = 0 is the patient's left-most column, y = 0 posterior-most, z = 3 superior-most. The
    // radiological view puts the patient's left on the image right, anterior up (axial) and superior up
    // (coronal, sagittal); sagittal has anterior on the left. Slices are numbered along L, P, S.
    const q = '&format=png&window=1000&level=500';
    const axial = await slice('vol/marker.nii', `plane=axial&index=3${q}`);
    expect(axial.statusCode).toBe(200);
    expect(axial.headers['content-type']).toBe('image/png');
    const a = await pixels(axial.rawPayload);
    expect([a.width, a.height]).toEqual([NX, NY]);
    expect(await bright(axial.rawPayload)).toEqual([[6, 5], [7, 5]]); // right edge (left), bottom (posterior)
    expect(await bright((await slice('vol/marker.nii', `plane=coronal&index=5${q}`)).rawPayload)).toEqual([[6, 0], [7, 0]]); // top
    const sagittal = await slice('vol/marker.nii', `plane=sagittal&index=7${q}`);
    const s = await pixels(sagittal.rawPayload);
    expect([s.width, s.height]).toEqual([NY, NZ]);
    expect(await bright(sagittal.rawPayload)).toEqual([[5, 0]]); // posterior on the right, superior up
    // The second marker (x 7: patient's right-most, y 5: anterior-most, z 0: inferior-most): the opposite corners.
    const dim = '&format=png&window=1000&level=250';
    expect(await bright((await slice('vol/marker.nii', `plane=axial&index=0${dim}`)).rawPayload, 100)).toEqual([[0, 0]]);
    expect(await bright((await slice('vol/marker.nii', `plane=coronal&index=0${dim}`)).rawPayload, 100)).toEqual([[0, 3]]);
    expect(await bright((await slice('vol/marker.nii', `plane=sagittal&index=0${dim}`)).rawPayload, 100)).toEqual([[0, 3]]);
  });

  it('renders a real nibabel image in the same convention as its affine says', async () => {
    // nibabel's tests/test_processing.py: "anatomical.nii has a diagonal -2, 2 2 affine": x runs to the patient's
    // left already, y anterior; so the axial view is the stored slice flipped top to bottom.
    const info = (await get(`/api/v1/files/${id('real/anatomical.nii')}/volume`)).json();
    expect(info.orientation_known).toBe(true);
    const { decodeVolume } = await import('../formats/pixels/index.js');
    const stored = await decodeVolume(nibabelFile('anatomical.nii'), { kind: 'volume', format: 'nifti' });
    const [nx, ny] = stored.dims;
    expect(info.dims).toEqual(stored.dims);
    const z = Math.floor(stored.dims[2] / 2);
    const w = info.default_window;
    const res = await slice('real/anatomical.nii', `plane=axial&index=${z}&format=png&window=${w.window}&level=${w.level}`);
    const p = await pixels(res.rawPayload);
    const grey = (v: number) => Math.min(255, Math.max(0, Math.round((v - (w.level - w.window / 2)) * (255 / w.window))));
    let same = 0;
    for (let r = 0; r < ny; r++) for (let c = 0; c < nx; c++) if (p.at(c, r) === grey(stored.data[c + nx * ((ny - 1 - r) + ny * z)]!)) same++;
    expect(same).toBe(nx * ny);
  });

  it('applies CT presets and window/level, so the pixels change', async () => {
    const lung = await slice('real/CT_small.dcm', 'plane=axial&index=0&preset=lung&format=png');
    const bone = await slice('real/CT_small.dcm', 'plane=axial&index=0&preset=bone&format=png');
    expect(lung.statusCode).toBe(200);
    expect(Buffer.compare(lung.rawPayload, bone.rawPayload)).not.toBe(0);
    const webp = await slice('real/CT_small.dcm', 'plane=axial&index=0');
    expect(webp.headers['content-type']).toBe('image/webp');
    expect(webp.rawPayload.subarray(8, 12).toString()).toBe('WEBP');
  });

  it('renders a mask as colours on a transparent background', async () => {
    const res = await slice('vol/marker_mask.nii', 'plane=axial&index=3');
    expect(res.headers['content-type']).toBe('image/png');
    const p = await pixels(res.rawPayload);
    expect(p.channels).toBe(4);
    expect(p.at(7, 5, 3)).toBe(255); // label 1 under the marker, opaque
    expect([p.at(7, 5, 0), p.at(7, 5, 1), p.at(7, 5, 2)]).toEqual([230, 25, 75]);
    expect(p.at(3, 3, 3)).toBe(0); // background transparent
    // mask=1 on the mask's id gives the same overlay
    expect(Buffer.compare((await slice('vol/marker_mask.nii', 'plane=axial&index=3&mask=1')).rawPayload, res.rawPayload)).toBe(0);
  });

  it('caches by content and parameters, with ETag revalidation', async () => {
    const first = await slice('vol/marker.nii', 'plane=coronal&index=2&format=png');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(first.headers['cache-control']).toContain('max-age');
    expect((await slice('vol/marker.nii', 'plane=coronal&index=2&format=png', )).headers.etag).toBe(etag);
    expect((await get(`/api/v1/files/${id('vol/marker.nii')}/slice?plane=coronal&index=2&format=png`, { 'if-none-match': etag })).statusCode).toBe(304);
    expect((await slice('vol/marker.nii', 'plane=coronal&index=3&format=png')).headers.etag).not.toBe(etag);
  });

  it('answers 400 naming the range, the parameter or the reason', async () => {
    const out = await slice('vol/marker.nii', 'plane=sagittal&index=8');
    expect(out.statusCode).toBe(400);
    expect(out.json().error).toEqual({ code: 'out_of_range', message: 'index 8 is outside 0..7 for the sagittal plane' });
    const bad = await slice('vol/marker.nii', 'plane=oblique&index=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/plane/);
    expect((await slice('vol/marker.nii', 'plane=axial&index=0&window=100')).json().error.message).toMatch(/together/);
    expect((await slice('vol/marker.nii', 'plane=axial&index=-1')).statusCode).toBe(400);
    expect((await slice('img/gray16.png', 'plane=axial&index=0')).json().error.code).toBe('not_a_volume');
  });
});

describe('files the decoders refuse', () => {
  it('answers 400 cannot_preview with the decoder\'s reason, and the server keeps serving', async () => {
    const root = join(m.t.config.dataDir, 'mirror2');
    mkdirSync(root, { recursive: true });
    // nifti1.h DT_COMPLEX64 (32): a valid header the index accepts, but no greyscale to show.
    const complex = niftiBytes([4, 4, 2], new Float32Array(64), { float: true }); // 32 voxels x 8 bytes
    complex.writeInt16LE(32, 70);
    complex.writeInt16LE(64, 72);
    writeFileSync(join(root, 'complex.nii'), complex);
    await m.t.services.ingest.request('beta-brain-mri', root, undefined);
    const worker = startWorker(m.t.services);
    while (await worker.runOne()) { /* drain */ }
    const [f] = (await get('/api/v1/datasets/beta-brain-mri/files')).json().items as { id: number; error: string | null; viewer: string }[];
    expect(f).toMatchObject({ error: null, viewer: 'volume' });
    const res = await get(`/api/v1/files/${f!.id}/slice?plane=axial&index=0`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 'cannot_preview', message: `File ${f!.id} cannot be previewed: nifti: datatype 32 cannot be previewed` });
    expect((await get(`/api/v1/files/${f!.id}/volume`)).json().error.code).toBe('cannot_preview');
    expect((await get(`/api/v1/files/${id('vol/marker.nii')}/volume`)).statusCode).toBe(200);
  });
});
