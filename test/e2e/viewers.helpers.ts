// Helpers of test/e2e/viewers.test.ts: a server with an ingested folder (and the demo mirror), and
// read-backs of what a viewer shows.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DatasetDetail, FileItem, FileList } from '../../contract/index.js';
import { ingestCommand } from '../../src/cli/ingest.js';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { DESKTOP, launchChromium, PHONE } from './browser.js';
import { axeViolations, RESULTS_DIR, shot, withPage as withBrowserPage } from './setup.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures');
export const DEMO_SLUGS = ['demo-phantom-ct', 'demo-chest-xray-like', 'demo-ecg', 'demo-heart-sound', 'demo-video', 'demo-arrays'];

/**
 * A real server whose data folder holds an operator card `slug` (made from a synthetic fixture card)
 * with `files` ingested into it (none: no card, no ingestion). `env` adds variables (e.g. MEDIMG_DEMO, MEDIMG_FFMPEG).
 */
export async function serverWithFiles(slug: string, files: [string, string][], env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'medimg-viewers-'));
  const folder = join(dataDir, 'files');
  for (const [rel, from] of files) {
    mkdirSync(dirname(join(folder, rel)), { recursive: true });
    copyFileSync(from, join(folder, rel));
  }
  if (files.length) {
    mkdirSync(join(dataDir, 'catalog'));
    const card = readFileSync(join(FIXTURES, 'catalog/alpha-lung-ct.yaml'), 'utf8')
      .replace('slug: alpha-lung-ct', `slug: ${slug}`).replace('name: Alpha Lung CT Nodules', `name: Viewer test files (${slug})`);
    writeFileSync(join(dataDir, 'catalog', `${slug}.yaml`), card);
  }
  // No update checks: they would reach for upstream sites, and a running job delays the server's close.
  const config = loadConfig({ PORT: '0', MEDIMG_DATA_DIR: dataDir, LOG_LEVEL: 'silent', MEDIMG_UPDATE_INTERVAL: '0', ...env });
  if (files.length && (await ingestCommand(config, [slug, folder])) !== 0) throw new Error(`ingestion of ${folder} failed`);
  const server = await startServer(config);
  const base = server.address;
  const get = async <T>(path: string): Promise<T> => (await fetch(`${base}${path}`)).json() as Promise<T>;
  const list = async (s: string) => (await get<FileList>(`/api/v1/datasets/${s}/files?per_page=200`)).items;
  return {
    base, get,
    /** Files of a dataset by relative path. */
    async files(s = slug): Promise<Map<string, FileItem>> {
      return new Map((await list(s)).map((f) => [f.path, f]));
    },
    /** Waits until every demo dataset is mirrored (generated and ingested by the server's own worker). */
    async demoReady(): Promise<void> {
      for (;;) {
        const cards = await Promise.all(DEMO_SLUGS.map((s) => get<DatasetDetail>(`/api/v1/datasets/${s}`)));
        if (cards.every((c) => c.mirror && c.mirror.files > 0)) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async close() {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const viewerUrl = (base: string, f: FileItem) => `${base}/datasets/${f.dataset}/files/${f.id}`;

/** A checksum of the pixels an <img> shows, read back through a canvas. */
export async function pixels(page: Page, selector: string): Promise<string> {
  return page.evaluate(async (sel) => {
    const img = document.querySelector<HTMLImageElement>(sel)!;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]!) | 0;
    return `${c.width}x${c.height}:${h}`;
  }, selector);
}

/** Waits until the <img> shows a loaded picture from another URL than `before`, and returns that URL. */
export async function nextSrc(page: Page, selector: string, before: string): Promise<string> {
  await page.waitForFunction(([sel, b]) => {
    const i = document.querySelector<HTMLImageElement>(sel!);
    return !!i && i.getAttribute('src') !== b && i.complete && i.naturalWidth > 0;
  }, [selector, before]);
  return (await page.locator(selector).getAttribute('src'))!;
}

/** Waits for the first <img> matching `selector` to have loaded, and returns its URL. */
export async function loadedSrc(page: Page, selector: string): Promise<string> {
  await page.waitForFunction((sel) => { const i = document.querySelector<HTMLImageElement>(sel); return !!i && i.complete && i.naturalWidth > 0; }, selector);
  return (await page.locator(selector).first().getAttribute('src'))!;
}

/** Scrolls through the page so that lazily loaded thumbnails are in the screenshot. */
export async function scrollThrough(page: Page): Promise<void> {
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight / 2) {
      window.scrollTo(0, y);
      await new Promise((r) => requestAnimationFrame(r));
    }
    window.scrollTo(0, 0);
  });
  await page.waitForLoadState('networkidle');
}

export function fileAt(files: Map<string, FileItem>, path: string): FileItem {
  const f = files.get(path);
  if (!f) throw new Error(`${path} was not indexed`);
  return f;
}

export async function noSideScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
}

export async function seriousViolations(page: Page) {
  return (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The built web app, a server from serverWithFiles and Chromium, with page helpers bound to them. */
export async function startViewerSession(slug: string, files: [string, string][], env: Record<string, string> = {}) {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/build-web.mjs')], { stdio: 'inherit' });
  const server = await serverWithFiles(slug, files, env);
  const browser = await launchChromium().catch(async (err: Error) => { await server.close(); throw err; });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const withPage = (viewport: { width: number; height: number }, fn: (page: Page, ctx: BrowserContext) => Promise<void>) =>
    withBrowserPage(browser, viewport, fn);
  const viewerUrlOf = (f: FileItem) => viewerUrl(server.base, f);
  return {
    ...server, browser, withPage, viewerUrl: viewerUrlOf,
    /** Opens a viewer at desktop and 375 px, saves both screenshots and checks layout and axe on each. */
    async screenshots(name: string, f: FileItem, ready: string) {
      for (const [vp, suffix] of [[DESKTOP, 'desktop'], [PHONE, 'phone']] as const) {
        await withPage(vp, async (page) => {
          await page.goto(viewerUrlOf(f));
          await page.locator(ready).first().waitFor();
          await page.waitForLoadState('networkidle');
          await shot(page, `viewer-${name}-${suffix}`);
          if (vp === PHONE) await noSideScroll(page);
          expect(await seriousViolations(page)).toEqual([]);
        });
      }
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
