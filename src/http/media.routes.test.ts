// The image, signal, audio, video and sample endpoints over a real ingested mirror
// (test/viewer-mirror.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixels, SLUG, startViewerMirror, type ViewerMirror } from '../../test/viewer-mirror.js';

let m: ViewerMirror;
beforeAll(async () => { m = await startViewerMirror(); }, 120_000);
afterAll(async () => { await m?.close(); });
const id = (path: string) => m.id(path);
const get = (url: string, headers: Record<string, string> = {}) => m.get(url, headers);

describe('GET /api/v1/files/:id/image', () => {
  it('renders 16-bit PNG, TIFF, PGM, BMP and a DICOM frame as browser images', async () => {
    for (const path of ['img/gray16.png', 'img/pages3-gray16.tif', 'img/gray16.pgm', 'img/rgb24.bmp', 'real/MR_small.dcm']) {
      const res = await get(`/api/v1/files/${id(path)}/image?format=png`);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      const meta = (await get(`/api/v1/files/${id(path)}`)).json().meta;
      const p = await pixels(res.rawPayload);
      expect([p.width, p.height], path).toEqual([meta.width, meta.height]);
    }
  });

  it('stretches a 16-bit gradient over the 8-bit range, and a window changes the pixels', async () => {
    // test/fixtures/png/gray16.png is ImageMagick's black-to-white gradient, top to bottom.
    const auto = await pixels((await get(`/api/v1/files/${id('img/gray16.png')}/image?format=png`)).rawPayload);
    expect(auto.at(0, 0)).toBeLessThan(10);
    expect(auto.at(0, auto.height - 1)).toBeGreaterThan(245);
    const narrow = await pixels((await get(`/api/v1/files/${id('img/gray16.png')}/image?format=png&window=1000&level=32768`)).rawPayload);
    expect(narrow.at(0, 2)).toBe(0);
    expect(narrow.at(0, narrow.height - 3)).toBe(255);
  });

  it('renders a paired 2D mask as colour labels on a transparent PNG', async () => {
    const image = (await get(`/api/v1/files/${id('seg/images/a.png')}`)).json();
    expect(image.pair_id).toBe(id('seg/masks/a.png'));
    const res = await get(`/api/v1/files/${image.pair_id}/image`);
    expect(res.headers['content-type']).toBe('image/png');
    const p = await pixels(res.rawPayload);
    expect(p.channels).toBe(4);
    expect([0, 1, 2, 3].map((c) => p.at(2, 3, c))).toEqual([230, 25, 75, 255]);
    expect([0, 1, 2, 3].map((c) => p.at(5, 1, c))).toEqual([60, 180, 75, 255]);
    expect(p.at(0, 0, 3)).toBe(0);
    expect(Buffer.compare((await get(`/api/v1/files/${image.pair_id}/image?mask=1&format=webp`)).rawPayload, res.rawPayload)).toBe(0);
  });

  it('serves WebP by default and refuses what is not an image', async () => {
    const res = await get(`/api/v1/files/${id('img/rgb24.bmp')}/image`);
    expect(res.headers['content-type']).toBe('image/webp');
    expect((await get(`/api/v1/files/${id('sig/ecg3.edf')}/image`)).json().error.code).toBe('not_an_image');
  });
});

describe('GET /api/v1/files/:id/signal', () => {
  it('returns every lead of a WFDB record with names, units and the exact samples when they fit', async () => {
    const res = await get(`/api/v1/files/${id('sig/ecg2.hea')}/signal?points=1000`);
    expect(res.statusCode).toBe(200);
    const s = res.json();
    // ecg2.hea: 2 signals at 250 Hz, 500 samples, gain 200/mV (test/fixtures/wfdb/make_wfdb.py)
    expect(s).toMatchObject({ sample_rate: 250, duration: 2, start: 0, end: 2, points: 500, step: 0.004 });
    expect(s.leads.map((l: { name: string; unit: string }) => [l.name, l.unit])).toEqual([['II', 'mV'], ['V5', 'mV']]);
    expect(s.leads[0].values).toHaveLength(500);
    expect(s.leads[0].min).toEqual(s.leads[0].values);
  });

  it('downsamples to a min/max envelope and reads a time range', async () => {
    const full = (await get(`/api/v1/files/${id('sig/ecg2.hea')}/signal?points=1000`)).json();
    const res = (await get(`/api/v1/files/${id('sig/ecg2.hea')}/signal?points=50&start=0.5&end=1.5`)).json();
    expect(res).toMatchObject({ start: 0.5, end: 1.5, points: 50, step: 0.02 });
    expect(res.leads[0].values).toBeUndefined();
    // Point 0 covers samples 125..129 (0.5 s to 0.52 s at 250 Hz).
    const window = full.leads[0].values.slice(125, 130) as number[];
    expect(res.leads[0].min[0]).toBeCloseTo(Math.min(...window), 5);
    expect(res.leads[0].max[0]).toBeCloseTo(Math.max(...window), 5);
    for (let i = 0; i < 50; i++) expect(res.leads[1].min[i]).toBeLessThanOrEqual(res.leads[1].max[i]);
  });

  it('reads EDF, CSV and WAV', async () => {
    const edf = (await get(`/api/v1/files/${id('sig/ecg3.edf')}/signal?points=100`)).json();
    // ecg3.edf: 'ECG I', 'ECG II' and an 'EDF Annotations' signal, which is not a lead (test/fixtures/edf/make_edf.py).
    expect(edf.leads.map((l: { name: string }) => l.name)).toEqual(['ECG I', 'ECG II']);
    expect(edf.duration).toBeGreaterThan(0);
    const csv = (await get(`/api/v1/files/${id('sig/ecg-time.csv')}/signal`)).json();
    expect(csv.leads.map((l: { name: string }) => l.name)).toEqual(['II', 'V5']);
    expect(csv.sample_rate).toBe(250);
    const wav = (await get(`/api/v1/files/${id('audio/stereo16-8k.wav')}/signal?points=200`)).json();
    expect(wav.sample_rate).toBe(8000);
    expect(wav.leads).toHaveLength(2);
  });

  it('answers 400 for a range past the end, bad points, or a file that is not a signal', async () => {
    const past = await get(`/api/v1/files/${id('sig/ecg2.hea')}/signal?start=5`);
    expect(past.statusCode).toBe(400);
    expect(past.json().error.code).toBe('out_of_range');
    expect((await get(`/api/v1/files/${id('sig/ecg2.hea')}/signal?points=100000`)).statusCode).toBe(400);
    expect((await get(`/api/v1/files/${id('sig/ecg2.hea')}/signal?start=2&end=1`)).json().error.message).toMatch(/before end/);
    expect((await get(`/api/v1/files/${id('img/gray16.png')}/signal`)).json().error.code).toBe('not_a_signal');
  });
});

describe('GET /api/v1/files/:id/peaks', () => {
  it('gives the waveform peaks of a WAV (decoded directly) and of an Ogg Vorbis (ffmpeg)', async () => {
    const wav = (await get(`/api/v1/files/${id('audio/stereo16-8k.wav')}/peaks?points=100`)).json();
    expect(wav).toMatchObject({ sample_rate: 8000, channels: 2, points: 100 });
    expect(wav.min).toHaveLength(100);
    for (let i = 0; i < 100; i++) expect(wav.min[i] <= wav.max[i] && wav.min[i] >= -1 && wav.max[i] <= 1).toBe(true);
    const ogg = await get(`/api/v1/files/${id('audio/vorbis-mono-22k.ogg')}/peaks?points=50`);
    expect(ogg.statusCode).toBe(200);
    expect(ogg.json().points).toBe(50);
    expect(Math.max(...ogg.json().max)).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/files/:id/video', () => {
  it('streams an MP4 as it is, with Range', async () => {
    const url = `/api/v1/files/${id('video/h264-32x24.mp4')}/video`;
    const full = await get(url);
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('video/mp4');
    expect(full.headers['accept-ranges']).toBe('bytes');
    const part = await get(url, { range: 'bytes=4-11' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 4-11/${full.rawPayload.length}`);
    expect(part.rawPayload).toEqual(full.rawPayload.subarray(4, 12));
    expect(part.rawPayload.subarray(0, 4).toString('latin1')).toBe('ftyp');
    expect((await get(url, { range: `bytes=${full.rawPayload.length}-` })).statusCode).toBe(416);
  });

  it('transcodes an AVI once to a faststart H.264 MP4', async () => {
    const url = `/api/v1/files/${id('video/mjpeg-32x24.avi')}/video`;
    const first = await get(url);
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('video/mp4');
    const mp4 = first.rawPayload;
    expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
    // faststart: the moov box comes before mdat.
    expect(mp4.indexOf('moov')).toBeLessThan(mp4.indexOf('mdat'));
    expect(mp4.indexOf('avc1')).toBeGreaterThan(0);
    const again = await get(url);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(Buffer.compare(again.rawPayload, mp4)).toBe(0);
  });

  it('makes a poster frame for videos, whose FileItem points to it', async () => {
    const item = (await get(`/api/v1/files/${id('video/mjpeg-32x24.avi')}`)).json();
    expect(item.thumbnail_url).toBe(`/api/v1/files/${item.id}/poster`);
    const res = await get(item.thumbnail_url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    const p = await pixels(res.rawPayload);
    expect([p.width, p.height]).toEqual([32, 24]);
  });

  it('refuses a file that is not a video', async () => {
    expect((await get(`/api/v1/files/${id('audio/stereo16-8k.wav')}/video`)).json().error.code).toBe('not_a_video');
  });
});

describe('GET /api/v1/datasets/:slug/samples', () => {
  it('picks up to 12 readable files covering the kinds, one per DICOM series, deterministically', async () => {
    const res = await get(`/api/v1/datasets/${SLUG}/samples`);
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { id: number; kind: string; series_uid: string | null; meta: { dicom?: { SeriesInstanceUID?: string } } | null; error: string | null; viewer: string }[];
    expect(items.length).toBeGreaterThanOrEqual(6);
    expect(items.length).toBeLessThanOrEqual(12);
    const kinds = new Set(items.map((i) => i.kind));
    for (const k of ['volume', 'image', 'signal', 'audio', 'video', 'series-slice']) expect(kinds.has(k), k).toBe(true);
    const uids = items.map((i) => i.meta?.dicom?.SeriesInstanceUID).filter((u) => u && items.find((x) => x.kind === 'series-slice' && x.meta?.dicom?.SeriesInstanceUID === u));
    expect(new Set(uids).size).toBe(uids.length);
    expect((await get(`/api/v1/datasets/${SLUG}/samples`)).json()).toEqual(res.json());
    expect((await get('/api/v1/datasets/no-such-dataset/samples')).statusCode).toBe(404);
  });
});
