// The demo mirror on a real instance: a real SQLite file, the real generators, ingestion by the job worker
// (with thumbnails), and the HTTP API through inject(). Restarts reopen the same data folder.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetList, FileList, SeriesList, Stats } from '../../contract/index.js';
import { FIXTURE_CATALOG, tempDir } from '../../test/helpers.js';
import { loadConfig } from '../config.js';
import { DEMO_DATASETS } from '../domain/demo.js';
import { buildApp } from '../http/app.js';
import { openInstance, startWorker } from '../main.js';

type Instance = Awaited<ReturnType<typeof openInstance>>;
let tmp: ReturnType<typeof tempDir>;
let open: { inst: Instance; app: FastifyInstance } | undefined;

async function start(demo: '0' | '1') {
  await stop();
  const inst = await openInstance(loadConfig({ MEDIMG_DATA_DIR: tmp.dir, MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, MEDIMG_DEMO: demo, LOG_LEVEL: 'silent' }));
  const app = await buildApp({ ...inst.services, demo: inst.demo }, {});
  open = { inst, app };
  return open;
}
async function stop() {
  if (!open) return;
  await open.app.close();
  await open.inst.close();
  open = undefined;
}
async function work(inst: Instance) {
  const worker = startWorker(inst.services);
  let n = 0;
  while (await worker.runOne()) n++;
  return n;
}
const get = async <T>(url: string): Promise<T> => {
  const res = await open!.app.inject(url);
  expect(res.statusCode, url).toBe(200);
  return res.json() as T;
};
const health = async () => (await get<{ status: string; demo: string }>('/healthz')).demo;
const files = (slug: string, q = '') => get<FileList>(`/api/v1/datasets/${slug}/files?per_page=200${q}`);

beforeAll(() => {
  tmp = tempDir('medimg-demo-service-');
});
afterAll(async () => {
  await stop();
  tmp.cleanup();
});

describe('the demo mirror on start-up', () => {
  it('generates the files, queues one ingestion per demo dataset, and is ready once the worker has run them', async () => {
    const { inst } = await start('1');
    expect(await health()).toBe('building');
    const out = await inst.demo.ensure();
    console.log(`demo mirror prepared in ${(out.ms / 1000).toFixed(2)} s: ${out.generated?.files} files, ${((out.generated?.bytes ?? 0) / 2 ** 20).toFixed(2)} MiB`);
    expect(out.generated?.files).toBeGreaterThan(100);
    expect(out.queued).toEqual(DEMO_DATASETS.map((d) => d.slug));
    expect(await health()).toBe('building');
    expect(await work(inst)).toBe(DEMO_DATASETS.length);
    expect(await health()).toBe('ready');
  }, 120_000);

  it('indexes the expected kinds, labels, splits, series and mask pairs, with thumbnails and no failures', async () => {
    for (const d of DEMO_DATASETS) {
      const detail = await get<{ demo: boolean; mirror: { failed: number; files: number } | null }>(`/api/v1/datasets/${d.slug}`);
      expect(detail.demo, d.slug).toBe(true);
      expect(detail.mirror?.failed, d.slug).toBe(0);
    }
    const ct = await files('demo-phantom-ct', '&format=dicom');
    expect(ct.total).toBe(64);
    expect(ct.items.every((f) => f.kind === 'series-slice' && f.thumbnail_url !== null)).toBe(true);
    const series = await get<SeriesList>('/api/v1/datasets/demo-phantom-ct/series');
    expect(series.series).toHaveLength(1);
    expect(series.series[0]).toMatchObject({ modality: 'CT', slices: 64, width: 128, height: 128 });
    const nifti = (await files('demo-phantom-ct', '&format=nifti')).items;
    const image = nifti.find((f) => f.path === 'nifti/images/phantom.nii.gz')!;
    const mask = nifti.find((f) => f.path === 'nifti/labels/phantom.nii.gz')!;
    expect(image).toMatchObject({ kind: 'volume', role: 'image', pair_path: 'nifti/labels/phantom.nii.gz' });
    expect(mask).toMatchObject({ kind: 'volume', role: 'mask', pair_path: 'nifti/images/phantom.nii.gz' });
    expect(image.meta).toMatchObject({ width: 128, height: 128, depth: 64 });

    const xr = await files('demo-chest-xray-like', '&kind=image');
    expect(xr.total).toBe(25);
    const count = (label: string, split: string) => xr.items.filter((f) => f.label === label && f.split === split).length;
    expect([count('NORMAL', 'train'), count('ABNORMAL', 'train'), count('NORMAL', 'test'), count('ABNORMAL', 'test')]).toEqual([9, 8, 4, 4]);
    expect(xr.items.find((f) => f.path.endsWith('16bit.png'))?.meta).toMatchObject({ bitDepth: 16 });
    expect(xr.items.every((f) => f.thumbnail_url !== null)).toBe(true);

    expect((await files('demo-ecg', '&kind=signal')).items.map((f) => [f.path, f.meta?.leads])).toEqual([['synthetic-ecg-001.hea', 12]]);
    expect((await files('demo-heart-sound', '&kind=audio')).items[0]).toMatchObject({ format: 'wav', meta: { sampleRate: 4000 } });
    const videos = (await files('demo-video', '&kind=video')).items.map((f) => f.format).sort();
    expect(videos[0]).toBe('avi');
    const arrays = (await files('demo-arrays', '&kind=volume')).items.map((f) => [f.path, f.format, f.meta?.depth, f.thumbnail_url !== null]);
    expect(arrays.sort()).toEqual([['phantom.h5', 'hdf5', 32, true], ['phantom.mat', 'mat', 32, true]]);
  });

  it('renders, through GET /api/v1/files/:id/slice, the left-anterior-superior marker at the upper right of axial and coronal slices', async () => {
    // Marker voxel centre (src/domain/phantom.ts MARKER): x 113, y 13, z 52 of 128 x 128 x 64; half that in demo-arrays.
    const volumes = [
      ...(await files('demo-phantom-ct', '&kind=volume')).items.filter((f) => f.role === 'image'),
      (await files('demo-phantom-ct', '&format=dicom')).items[0]!,
      ...(await files('demo-arrays', '&kind=volume')).items,
    ];
    expect(volumes.map((f) => f.format).sort()).toEqual(['dicom', 'hdf5', 'mat', 'nifti']);
    for (const f of volumes) {
      const half = f.dataset === 'demo-arrays' ? 2 : 1;
      for (const [plane, index] of [['axial', Math.round(52 / half)], ['coronal', Math.round(13 / half)]] as const) {
        const res = await open!.app.inject(`/api/v1/files/${f.id}/slice?plane=${plane}&index=${index}&format=png&level=1200&window=500`);
        expect(res.statusCode, `${f.path} ${plane}`).toBe(200);
        const { data, info } = await sharp(res.rawPayload).greyscale().raw().toBuffer({ resolveWithObject: true });
        let [sx, sy, n] = [0, 0, 0];
        for (let i = 0; i < data.length; i++) if (data[i] === 255) { sx += i % info.width; sy += Math.floor(i / info.width); n++; }
        expect(n, `${f.path} ${plane}`).toBeGreaterThan(0);
        expect([sx / n / info.width > 0.75, sy / n / info.height < 0.3], `${f.path} ${plane}`).toEqual([true, true]);
      }
    }
  });

  it('shows demo datasets in search, marked demo, and leaves them out of the paper figures', async () => {
    const list = await get<DatasetList>('/api/v1/datasets?per_page=100');
    const demo = list.items.filter((d) => d.demo);
    expect(demo.map((d) => d.slug).sort()).toEqual(DEMO_DATASETS.map((d) => d.slug).sort());
    expect(demo.every((d) => d.slug.startsWith('demo-') && d.mirror_files !== null)).toBe(true);
    expect((await get<{ demo: boolean }>('/api/v1/datasets/alpha-lung-ct')).demo).toBe(false);
    const stats = await get<Stats>('/api/v1/stats');
    expect(stats.totals.datasets).toBe(list.total - DEMO_DATASETS.length);
  });

  it('does nothing on the next start', async () => {
    const { inst } = await start('1');
    const out = await inst.demo.ensure();
    expect(out).toMatchObject({ generated: null, queued: [] });
    expect(await health()).toBe('ready');
    expect(await work(inst)).toBe(0);
  });

  it('completes on the next start after being killed half-way through building or ingesting', async () => {
    const demoDir = join(tmp.dir, 'demo');
    // Killed while writing: a half-written build folder and no VERSION.json.
    rmSync(join(demoDir, 'VERSION.json'));
    mkdirSync(`${demoDir}.building/demo-ecg`, { recursive: true });
    writeFileSync(`${demoDir}.building/demo-ecg/partial.dat`, 'x');
    let { inst } = await start('1');
    const built = await inst.demo.ensure();
    expect(built.generated).not.toBeNull();
    expect(existsSync(`${demoDir}.building`)).toBe(false);
    // Killed before the queued ingestion ran: the next start queues it again (the stale jobs are superseded).
    expect(built.queued).toHaveLength(DEMO_DATASETS.length);
    ({ inst } = await start('1'));
    const again = await inst.demo.ensure();
    expect(again.generated).toBeNull();
    expect(again.queued).toHaveLength(DEMO_DATASETS.length);
    await work(inst);
    expect(await health()).toBe('ready');
    expect((await files('demo-ecg')).items.map((f) => f.path)).not.toContain('partial.dat');
    ({ inst } = await start('1'));
    expect((await inst.demo.ensure()).queued).toEqual([]);
  }, 120_000);

  it('with MEDIMG_DEMO=0 has no demo cards, builds nothing, and says "off"', async () => {
    const { inst } = await start('0');
    expect(await inst.demo.ensure()).toEqual({ generated: null, queued: [], ms: 0 });
    expect(await health()).toBe('off');
    const list = await get<DatasetList>('/api/v1/datasets?per_page=100');
    expect(list.items.some((d) => d.demo || d.slug.startsWith('demo-'))).toBe(false);
    expect((await open!.app.inject('/api/v1/datasets/demo-ecg')).statusCode).toBe(404);
  });
});
