// Browser tests of the previews on the synthetic demo mirror (issue 5), as a fresh `npm start` builds it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileItem } from '../../contract/index.js';
import { DESKTOP, PHONE } from './browser.js';
import { shot } from './setup.js';
import { fileAt, loadedSrc, nextSrc, noSideScroll, pixels, scrollThrough, seriousViolations as serious, startViewerSession } from './viewers.helpers.js';

let s: Awaited<ReturnType<typeof startViewerSession>>;
let base = '';

beforeAll(async () => {
  s = await startViewerSession('demo', [], { MEDIMG_DEMO: '1' });
  base = s.base;
  await s.demoReady();
}, 240_000);
afterAll(async () => { await s?.close(); }, 60_000);

const file = (path: string, from: Map<string, FileItem>) => fileAt(from, path);
const viewerUrl = (f: FileItem) => s.viewerUrl(f);
const withPage: typeof s.withPage = (viewport, fn) => s.withPage(viewport, fn);
const screenshots: typeof s.screenshots = (name, f, ready) => s.screenshots(name, f, ready);
const server = { files: (slug: string) => s.files(slug) };

describe('Demo mirror', () => {
  const ECG_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

  it('plots the 12 leads of the demo ECG, each with its name and unit', async () => {
    const f = file('synthetic-ecg-001.hea', await server.files('demo-ecg'));
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      await page.locator('.lead-row .trace').first().waitFor();
      expect(await page.locator('.lead-name').evaluateAll((els) => els.map((e) => e.firstChild?.textContent))).toEqual(ECG_LEADS);
      expect(await page.locator('.lead-unit').count()).toBe(12);
      expect(await page.locator('.trace').evaluateAll((els) => els.every((e) => (e.getAttribute('d') ?? '').length > 1000))).toBe(true);
      await page.getByText('Synthetic demo data.').waitFor();
    });
  });

  it('scrolls the demo DICOM series and changes its pixels with the CT presets', async () => {
    const demo = await server.files('demo-phantom-ct');
    const f = [...demo.values()].find((x) => x.format === 'dicom')!;
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      const img = '.volume-viewer .slice-img';
      const src0 = await loadedSrc(page, img);
      const px0 = await pixels(page, img);
      await page.locator('.volume-viewport').focus();
      await page.keyboard.press('PageUp');
      const src1 = await nextSrc(page, img, src0);
      const px1 = await pixels(page, img);
      expect(px1).not.toBe(px0);
      await page.getByRole('button', { name: 'Bone', exact: true }).click();
      await nextSrc(page, img, src1);
      expect(await pixels(page, img)).not.toBe(px1);
    });
  });

  it('overlays the demo NIfTI mask, and its slices follow the image in every plane', async () => {
    const demo = await server.files('demo-phantom-ct');
    const f = [...demo.values()].find((x) => x.format === 'nifti' && x.role === 'image')!;
    await withPage(DESKTOP, async (page) => {
      await page.goto(viewerUrl(f));
      const mask = '.volume-viewer .mask-img';
      let src = await loadedSrc(page, mask);
      for (const plane of ['coronal', 'sagittal']) {
        await page.getByRole('button', { name: new RegExp(`^${plane}`, 'i') }).click();
        src = await nextSrc(page, mask, src);
        expect(src).toContain(`plane=${plane}`);
        expect(await page.locator('.slice-img').getAttribute('src')).toContain(`plane=${plane}`);
      }
    });
  });

  it('shows samples of both classes and filters the files by label through the URL', async () => {
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${base}/datasets/demo-chest-xray-like`);
      await page.getByText('Synthetic demo data.').waitFor();
      await page.locator('.sample-grid li').first().waitFor();
      const captions = await page.locator('.sample-label').allTextContents();
      expect(captions.length).toBeGreaterThanOrEqual(6);
      expect(new Set(captions)).toEqual(new Set(['NORMAL', 'ABNORMAL']));
      await page.getByLabel('Label').selectOption('ABNORMAL');
      await page.waitForURL(/label=ABNORMAL/);
      await page.waitForFunction(() => /^12 files$/.test(document.querySelector('.file-browser .result-count')?.textContent ?? ''));
      expect(new Set(await page.locator('.file-card .file-facts').evaluateAll((els) => els.map((e) => e.textContent!.split(' · ')[0])))).toEqual(new Set(['ABNORMAL']));
      await page.locator('.sample-grid a').first().click();
      await page.waitForURL(/\/datasets\/demo-chest-xray-like\/files\/\d+$/);
      await page.locator('.image-viewer .image-stage img').waitFor();
      await page.getByText('Synthetic demo data.').waitFor();
    });
  });

  it('loads and plays the demo heart sound and the demo videos (MP4 as stored, AVI transcoded)', async () => {
    const sound = [...(await server.files('demo-heart-sound')).values()].find((x) => x.viewer === 'audio')!;
    const videos = [...(await server.files('demo-video')).values()].filter((x) => x.viewer === 'video');
    expect(videos.map((v) => v.format).sort()).toEqual(['avi', 'mp4']);
    for (const f of [sound, ...videos]) {
      await withPage(DESKTOP, async (page) => {
        await page.goto(viewerUrl(f));
        const media = f.viewer === 'audio' ? 'audio' : 'video';
        await page.locator(media).waitFor();
        await page.waitForFunction((m) => (document.querySelector<HTMLMediaElement>(m)?.readyState ?? 0) >= 1, media, { timeout: 60_000 });
        await page.locator('h1').click();
        expect(await page.evaluate((m) => document.querySelector<HTMLMediaElement>(m)!.play().then(() => 'played'), media)).toBe('played');
      });
    }
  }, 120_000);

  it('screenshots of the demo viewers at 1280 and 375 px', async () => {
    const phantom = await server.files('demo-phantom-ct');
    const xray = await server.files('demo-chest-xray-like');
    await screenshots('demo-ecg', file('synthetic-ecg-001.hea', await server.files('demo-ecg')), '.lead-row .trace');
    await screenshots('demo-ct-nifti-mask', file('nifti/images/phantom.nii.gz', phantom), '.volume-viewer .mask-img');
    await screenshots('demo-ct-dicom', [...phantom.values()].find((x) => x.format === 'dicom')!, '.volume-viewer .slice-img');
    await screenshots('demo-xray-16bit', file('train/NORMAL/normal-16bit.png', xray), '.image-viewer img');
    await screenshots('demo-heart-sound', [...(await server.files('demo-heart-sound')).values()].find((x) => x.viewer === 'audio')!, '.waveform path');
    await screenshots('demo-video', [...(await server.files('demo-video')).values()].find((x) => x.format === 'mp4')!, 'video');
    for (const [vp, suffix] of [[DESKTOP, 'desktop'], [PHONE, 'phone']] as const) {
      await withPage(vp, async (page) => {
        await page.goto(`${base}/datasets/demo-chest-xray-like`);
        await page.locator('.file-grid li').first().waitFor();
        await scrollThrough(page);
        await shot(page, `viewer-demo-dataset-${suffix}`);
        if (vp === PHONE) await noSideScroll(page);
        expect(await serious(page)).toEqual([]);
      });
    }
  }, 240_000);
});

