// Browser tests of the previews (issue 5): every viewer opened in Chromium on files ingested from real
// third-party data (pydicom's and nibabel's test files) and the format fixtures, and on the demo mirror.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileItem } from '../../contract/index.js';
import { nibabelFile, pydicomFile } from '../third-party.js';
import { DESKTOP, PHONE } from './browser.js';
import { RESULTS_DIR, shot } from './setup.js';
import { fileAt, FIXTURES, loadedSrc, nextSrc, noSideScroll, pixels, serverWithFiles, seriousViolations as serious, startViewerSession, viewerUrl as urlOf } from './viewers.helpers.js';

const SLUG = 'viewer-test-files';
// Where each test file comes from: third-party files by the helpers, the rest from test/fixtures.
const FILES: [string, string][] = [
  ['ct/CT_small.dcm', pydicomFile('CT_small.dcm')],
  ['volumes/images/anat.nii', nibabelFile('anatomical.nii')],
  ['volumes/images/case1.nii.gz', nibabelFile('standard.nii.gz')],
  ['volumes/masks/case1.nii.gz', nibabelFile('standard.nii.gz')],
  ['png/lesion.png', join(FIXTURES, 'png/gray16.png')],
  ['png/lesion_mask.png', join(FIXTURES, 'png/palette.png')],
  ['audio/sine.wav', join(FIXTURES, 'wav/stereo16-8k.wav')],
  ['video/clip.mp4', join(FIXTURES, 'mp4/h264-32x24.mp4')],
  ['video/clip.webm', join(FIXTURES, 'webm/vp8-32x24.webm')],
  ['signal/ecg2.hea', join(FIXTURES, 'wfdb/ecg2.hea')],
  ['signal/ecg2.dat', join(FIXTURES, 'wfdb/ecg2.dat')],
  ['other/notes.txt', join(FIXTURES, 'README.md')],
];

let s: Awaited<ReturnType<typeof startViewerSession>>;
let base = '';
let byPath = new Map<string, FileItem>();

beforeAll(async () => {
  // The demo mirror is left out here (viewers-demo.test.ts covers it).
  s = await startViewerSession(SLUG, FILES, { MEDIMG_DEMO: '0' });
  base = s.base;
  byPath = await s.files();
}, 120_000);
afterAll(async () => { await s?.close(); }, 60_000);

const file = (path: string, from = byPath) => fileAt(from, path);
const viewerUrl = (f: FileItem) => urlOf(base, f);
const withPage: typeof s.withPage = (viewport, fn) => s.withPage(viewport, fn);
const screenshots: typeof s.screenshots = (name, f, ready) => s.screenshots(name, f, ready);

describe('Volume viewer', () => {
  it('scrolls a NIfTI volume (nibabel anatomical.nii) by key, wheel and slider, and switches planes', async () => {
    const f = file('volumes/images/anat.nii');
    expect(f.viewer).toBe('volume');
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      const img = '.volume-viewer .slice-img';
      const src0 = await loadedSrc(page, img);
      const px0 = await pixels(page, img);
      await page.locator('.volume-viewport').focus();
      await page.keyboard.press('ArrowUp');
      const src1 = await nextSrc(page, img, src0);
      expect(src1).toMatch(/index=\d+/);
      expect(await pixels(page, img)).not.toBe(px0);
      await page.locator('.volume-viewport').hover();
      await page.mouse.wheel(0, 120);
      await page.mouse.wheel(0, 120);
      const src2 = await nextSrc(page, img, src1);
      expect(Number(/index=(\d+)/.exec(src2)![1])).toBeGreaterThan(Number(/index=(\d+)/.exec(src1)![1]));
      await page.getByLabel('Slice', { exact: true }).fill('0');
      await nextSrc(page, img, src2);
      expect(await page.locator('.slice-pos').textContent()).toMatch(/^1 \/ \d+$/);
      for (const plane of ['Coronal', 'Sagittal']) {
        const before = (await page.locator(img).getAttribute('src'))!;
        await page.getByRole('button', { name: new RegExp(`^${plane}`) }).click();
        expect(await nextSrc(page, img, before)).toContain(`plane=${plane.toLowerCase()}`);
      }
    });
  });

  it('changes the pixels of a CT slice (pydicom CT_small.dcm) with the window presets', async () => {
    const f = file('ct/CT_small.dcm');
    expect(f.viewer).toBe('volume');
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      const img = '.volume-viewer .slice-img';
      let src = await loadedSrc(page, img);
      const seen = new Set([await pixels(page, img)]);
      for (const preset of ['Lung', 'Bone', 'Brain']) {
        await page.getByRole('button', { name: preset, exact: true }).click();
        src = await nextSrc(page, img, src);
        seen.add(await pixels(page, img));
      }
      expect(seen.size).toBe(4);
      await page.getByLabel('Window', { exact: true }).fill('400');
      await page.getByLabel('Window', { exact: true }).press('Enter');
      expect(await nextSrc(page, img, src)).toContain('window=400');
    });
  });

  it('overlays the paired mask of a NIfTI volume with an adjustable opacity', async () => {
    const f = file('volumes/images/case1.nii.gz');
    expect(f.pair_id).toBe(file('volumes/masks/case1.nii.gz').id);
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      const mask = page.locator('.volume-viewer .mask-img');
      await mask.waitFor();
      expect(await mask.getAttribute('src')).toContain(`/files/${f.pair_id}/slice?`);
      expect(await mask.getAttribute('src')).toContain('mask=1');
      await page.getByLabel('Opacity').fill('80');
      expect(await mask.evaluate((el) => getComputedStyle(el).opacity)).toBe('0.8');
      await page.getByLabel('Show mask').uncheck();
      expect(await mask.count()).toBe(0);
    });
  });
});

describe('Image viewer', () => {
  it('zooms, pans, re-windows a 16-bit PNG and overlays its mask', async () => {
    const f = file('png/lesion.png');
    expect(f.viewer).toBe('image');
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      const img = '.image-viewer .image-stage img';
      await page.waitForFunction((sel) => (document.querySelector<HTMLImageElement>(sel)?.naturalWidth ?? 0) > 0, img);
      const stage = page.locator('.image-stage');
      const t0 = await stage.evaluate((el) => el.style.transform);
      await page.getByRole('button', { name: 'Zoom in' }).click();
      const t1 = await stage.evaluate((el) => el.style.transform);
      expect(t1).not.toBe(t0);
      const box = (await page.locator('.image-viewport').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 30);
      await page.mouse.up();
      expect(await stage.evaluate((el) => el.style.transform)).not.toBe(t1);
      await page.getByRole('button', { name: 'Fit' }).click();
      expect(await stage.evaluate((el) => el.style.transform)).toBe(t0);

      const src0 = (await page.locator(img).getAttribute('src'))!;
      const px0 = await pixels(page, img);
      await page.getByLabel('Window', { exact: true }).fill('8000');
      await page.getByLabel('Level', { exact: true }).fill('4000');
      await page.getByLabel('Level', { exact: true }).press('Enter');
      await nextSrc(page, img, src0);
      expect(await pixels(page, img)).not.toBe(px0);

      const mask = page.locator('.image-stage canvas.mask-canvas');
      await mask.waitFor();
      await page.waitForFunction(() => (document.querySelector<HTMLCanvasElement>('canvas.mask-canvas')?.width ?? 0) > 0);
      await page.getByLabel('Opacity').fill('30');
      expect(await mask.evaluate((el) => getComputedStyle(el).opacity)).toBe('0.3');
    });
  });
});

describe('Signal, audio and video viewers', () => {
  it('plots every lead of a WFDB record with names and units, and scrolls and zooms time', async () => {
    const f = file('signal/ecg2.hea');
    expect(f.viewer).toBe('signal');
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      await page.locator('.lead-row .trace').first().waitFor();
      const leads = (f.meta as { leads?: number }).leads;
      expect(await page.locator('.lead-name').count()).toBe(leads);
      const range0 = await page.locator('.signal-viewer .slice-pos').textContent();
      await page.getByRole('button', { name: /^Zoom in/ }).click();
      await page.waitForFunction((r) => document.querySelector('.signal-viewer .slice-pos')?.textContent !== r, range0);
      const d0 = await page.locator('.trace').first().getAttribute('d');
      await page.getByRole('button', { name: /^Later by/ }).click();
      await page.waitForFunction((d) => document.querySelector('.trace')?.getAttribute('d') !== d, d0);
    });
  });

  it('draws the waveform of a WAV, loads it into <audio> by Range, seeks on click and plays', async () => {
    const f = file('audio/sine.wav');
    expect(f.viewer).toBe('audio');
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      await page.locator('.waveform path.wave').first().waitFor();
      await page.waitForFunction(() => (document.querySelector('audio')?.readyState ?? 0) >= 1);
      const wave = (await page.locator('.waveform').boundingBox())!;
      await page.mouse.click(wave.x + wave.width * 0.5, wave.y + wave.height / 2);
      const t = await page.evaluate(() => document.querySelector('audio')!.currentTime);
      expect(t).toBeGreaterThan(0.1);
      expect(await page.locator('.waveform').getAttribute('aria-valuenow')).not.toBe('0');
      expect(await page.evaluate(() => document.querySelector('audio')!.play().then(() => 'played'))).toBe('played');
    });
  });

  for (const path of ['video/clip.mp4', 'video/clip.webm']) {
    it(`loads and plays ${path} in <video> with a poster`, async () => {
      const f = file(path);
      expect(f.viewer).toBe('video');
      await withPage(DESKTOP, async (page) => {
        await page.goto(viewerUrl(f));
        await page.locator('video').waitFor();
        await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1);
        expect(await page.locator('video').getAttribute('src')).toBe(`/api/v1/files/${f.id}/video`);
        await page.locator('h1').click();
        expect(await page.evaluate(() => document.querySelector('video')!.play().then(() => 'played'))).toBe('played');
      });
    });
  }

  it('offers the download for a file no viewer can show', async () => {
    const f = file('other/notes.txt');
    expect(f.viewer).toBe('none');
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      await page.getByText('Preview not available — download to view.').waitFor();
      expect(await page.getByRole('link', { name: 'Download notes.txt' }).getAttribute('href')).toBe(`/api/v1/files/${f.id}/raw`);
    });
    // The server serves the app for a viewer URL of the right shape, and its 404 page for any other.
    expect((await fetch(viewerUrl(f))).status).toBe(200);
    for (const bad of [`/datasets/${SLUG}/files/0`, `/datasets/${SLUG}/files/12abc`, '/datasets/Bad_Slug!/files/1']) {
      expect((await fetch(`${base}${bad}`)).status).toBe(404);
    }
  });
});

describe('Dataset page of a mirror', () => {
  it('shows samples, statistics and a file browser whose filters live in the URL', async () => {
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${base}/datasets/${SLUG}`);
      const samples = page.locator('.sample-grid li');
      await samples.first().waitFor();
      expect(await samples.count()).toBeGreaterThanOrEqual(Math.min(6, byPath.size));
      expect(await page.locator('.bar-table caption', { hasText: 'Files by format' }).count()).toBe(1);
      await page.locator('.file-grid li').first().waitFor();
      expect(await page.locator('.file-browser .result-count').textContent()).toBe(`${byPath.size} files`);
      await page.getByLabel('Format').selectOption('nifti');
      await page.waitForURL(/format=nifti/);
      await page.waitForFunction(() => document.querySelector('.file-browser .result-count')?.textContent === '3 files');
      await page.getByRole('button', { name: 'List' }).click();
      await page.waitForURL(/view=list/);
      await page.locator('.file-list li').first().waitFor();
      await page.getByRole('button', { name: 'Expand volumes' }).click();
      await page.getByRole('button', { name: 'masks', exact: true }).click();
      await page.waitForURL(/path=volumes%2Fmasks%2F/);
      await page.waitForFunction(() => document.querySelector('.file-browser .result-count')?.textContent === '1 file');
      // The shared URL opens the same view.
      const url = page.url();
      await page.goto(url);
      await page.locator('.file-list li a', { hasText: 'volumes/masks/case1.nii.gz' }).click();
      await page.waitForURL(/\/files\/\d+$/);
      await page.locator('.volume-viewer').waitFor();
      await shot(page, 'viewer-dataset-mirror');
      expect(await serious(page)).toEqual([]);
    });
  });

  it('fits 375 px and passes axe with the mirror sections open', async () => {
    await withPage(PHONE, async (page) => {
      await page.goto(`${base}/datasets/${SLUG}`);
      await page.locator('.file-grid li').first().waitFor();
      await page.waitForLoadState('networkidle');
      await noSideScroll(page);
      await shot(page, 'viewer-dataset-mirror-phone');
      expect(await serious(page)).toEqual([]);
    });
  });
});

describe('Screenshots', () => {
  it('of every viewer at 1280 and 375 px, without sideways scrolling or serious axe violations', async () => {
    await screenshots('volume-nifti', file('volumes/images/case1.nii.gz'), '.volume-viewer .slice-img');
    await screenshots('volume-ct-dicom', file('ct/CT_small.dcm'), '.volume-viewer .slice-img');
    await screenshots('image-16bit', file('png/lesion.png'), '.image-viewer img');
    await screenshots('signal-wfdb', file('signal/ecg2.hea'), '.lead-row .trace');
    await screenshots('audio-wav', file('audio/sine.wav'), '.waveform path');
    await screenshots('video-mp4', file('video/clip.mp4'), 'video');
    await screenshots('fallback', file('other/notes.txt'), '.no-preview');
  }, 240_000);
});

describe('Without ffmpeg', () => {
  it('says "preview unavailable: install ffmpeg" for a video that needs transcoding, and offers the download', async () => {
    const bare = await serverWithFiles('viewer-no-ffmpeg', [['clip.avi', join(FIXTURES, 'avi/mjpeg-32x24.avi')]],
      { MEDIMG_DEMO: '0', MEDIMG_FFMPEG: join(RESULTS_DIR, 'no-such-ffmpeg') });
    try {
      const f = file('clip.avi', await bare.files());
      await withPage(DESKTOP, async (page) => {
        await page.goto(urlOf(bare.base, f));
        await page.getByText('Preview unavailable: install ffmpeg.').waitFor();
        expect(await page.getByRole('link', { name: 'Download the original file' }).getAttribute('href')).toBe(`/api/v1/files/${f.id}/raw`);
        await shot(page, 'viewer-video-no-ffmpeg-desktop');
      });
    } finally {
      await bare.close();
    }
  }, 60_000);
});
