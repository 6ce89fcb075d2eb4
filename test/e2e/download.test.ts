import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetList } from '../../contract/index.js';
import { loadConfig } from '../../src/config.js';
import { openInstance, startServer, startWorker } from '../../src/main.js';
import { DESKTOP, launchChromium, PHONE } from './browser.js';
import { axeViolations, RESULTS_DIR, shot, withPage as withBrowserPage } from './setup.js';

// The real server on the real catalog, with one dataset mirrored from a folder of real
// fixture images (startE2E's server mirrors nothing, so this file sets up its own).
const SLUG = 'chest-xray-pneumonia';
const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const originals = new Map<string, string>();
let dataDir: string;
let base: string;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;

beforeAll(async () => {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/build-web.mjs')], { stdio: 'inherit' });
  dataDir = mkdtempSync(join(tmpdir(), 'medimg-e2e-dl-'));
  const root = join(dataDir, 'source');
  for (const [dir, label] of [['png', 'NORMAL'], ['jpeg', 'PNEUMONIA']] as const) {
    mkdirSync(join(root, 'train', label), { recursive: true });
    for (const name of readdirSync(join(FIXTURES, dir))) {
      copyFileSync(join(FIXTURES, dir, name), join(root, 'train', label, name));
      originals.set(`${SLUG}/train/${label}/${name}`, sha(readFileSync(join(root, 'train', label, name))));
    }
  }
  const config = loadConfig({ PORT: '0', MEDIMG_DATA_DIR: dataDir, LOG_LEVEL: 'silent', MEDIMG_THUMBNAILS: '0' });
  const instance = await openInstance(config);
  try {
    await instance.services.ingest.request(SLUG, root, 'folders');
    const worker = startWorker(instance.services);
    while (await worker.runOne()) { /* drain */ }
  } finally {
    await instance.close();
  }
  server = await startServer(config, { worker: false });
  base = server.address;
  browser = await launchChromium();
  mkdirSync(RESULTS_DIR, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.app.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const withPage = (viewport: { width: number; height: number }, fn: (page: Page, ctx: BrowserContext) => Promise<void>) =>
  withBrowserPage(browser, viewport, fn);

const api = async <T>(path: string) => (await fetch(`${base}${path}`)).json() as Promise<T>;
const seriousViolations = async (page: Page) => (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** Checks the X-ray node under Image and clicks "Download Selected"; returns the selected datasets. */
async function selectXray(page: Page) {
  const xr = await api<DatasetList>('/api/v1/datasets?data_type=image&modality=XR&per_page=100');
  expect(xr.items.map((d) => d.slug)).toContain(SLUG);
  await page.goto(`${base}/browse`);
  const toggle = page.getByRole('button', { name: 'Show navigation tree' });
  if (await toggle.isVisible()) await toggle.click();
  await page.getByRole('button', { name: 'Expand Image' }).click();
  await page.getByRole('checkbox', { name: 'Select all X-ray datasets' }).first().check();
  await page.getByRole('button', { name: `Download Selected (${xr.total})` }).click();
  await page.getByRole('link', { name: /^ZIP of the mirrored datasets/ }).waitFor();
  return xr;
}

describe('Download Selected in Browse', () => {
  it('creates a selection and offers the ZIP, manifest, aria2 input, script and citations, and the sources of the rest', async () => {
    await withPage(DESKTOP, async (page) => {
      const xr = await selectXray(page);
      const panel = page.locator('.selection');
      for (const name of ['manifest.tsv', 'aria2 input', 'download.sh', 'citations.bib']) await panel.getByRole('link', { name, exact: true }).waitFor();
      const href = async (name: RegExp | string) => panel.getByRole('link', { name, exact: typeof name === 'string' }).first().getAttribute('href');
      const id = /\/api\/v1\/selections\/([0-9a-f]{24})\/manifest\.tsv$/.exec((await href('manifest.tsv'))!)?.[1];
      expect(id).toBeTruthy();
      expect(await panel.locator('code.cmd').first().textContent()).toBe(`curl -fsSL ${base}/api/v1/selections/${id}/download.sh | sh`);
      // Every selected dataset is listed once: the mirrored one with its size, the others with their source.
      const listed = await panel.locator('li > a:first-child').allTextContents();
      expect(listed.sort()).toEqual(xr.items.map((d) => d.name).sort());
      expect(await panel.getByRole('heading', { name: `Not mirrored on this server (${xr.total - 1}): get them from their source` }).count()).toBe(1);
      const elsewhere = xr.items.filter((d) => d.slug !== SLUG);
      const sourceLinks = await panel.locator('li a[target="_blank"]').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
      expect(sourceLinks.sort()).toEqual(elsewhere.map((d) => d.source_url).sort());

      // The manifest lists exactly the mirrored files, with their real SHA-256.
      const manifest = await (await fetch(`${base}${await href('manifest.tsv')}`)).text();
      const rows = manifest.trim().split('\n');
      expect(rows[0]).toBe('url\tpath\tsize\tsha256');
      expect(new Map(rows.slice(1).map((r) => { const c = r.split('\t'); return [c[1]!, c[3]!]; }))).toEqual(originals);

      // The ZIP holds every file, byte for byte, as Python's zipfile reads it.
      const zip = Buffer.from(await (await fetch(`${base}${await href(/^ZIP of the mirrored datasets/)}`)).arrayBuffer());
      const zipPath = join(dataDir, 'selection.zip');
      writeFileSync(zipPath, zip);
      const inZip = JSON.parse(execFileSync('python3', ['-c', [
        'import hashlib, json, sys, zipfile',
        'z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None',
        'print(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist() if not n.endswith("/")}))',
      ].join('\n'), zipPath], { encoding: 'utf8' })) as Record<string, string>;
      for (const [path, hash] of originals) expect(inZip[path], path).toBe(hash);

      expect(await seriousViolations(page)).toEqual([]);
      await shot(page, 'download-selected-desktop');
    });
  });

  it('works at 375 px without sideways scrolling', async () => {
    await withPage(PHONE, async (page) => {
      await selectXray(page);
      await page.locator('.selection').getByRole('link', { name: 'download.sh', exact: true }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await seriousViolations(page)).toEqual([]);
      await shot(page, 'download-selected-375');
    });
  });
});

describe('Download page and dataset page', () => {
  it('"Download everything" makes a selection of the whole catalog', async () => {
    const all = await api<DatasetList>('/api/v1/datasets?per_page=1');
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${base}/download`);
      await page.getByRole('button', { name: 'Download everything' }).click();
      const panel = page.locator('.selection');
      await panel.getByRole('link', { name: /^ZIP of the mirrored datasets/ }).waitFor();
      expect(await panel.getByRole('heading', { level: 2 }).textContent()).toBe(`Download everything (${all.total})`);
      await panel.getByRole('heading', { name: `Not mirrored on this server (${all.total - 1}): get them from their source` }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  });

  it('offers the archive and manifest of a mirrored dataset, and says where to get one that is not mirrored', async () => {
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${base}/datasets/${SLUG}`);
      const zip = page.getByRole('link', { name: /^Download ZIP \(/ });
      await zip.waitFor();
      expect(await zip.getAttribute('href')).toBe(`/api/v1/datasets/${SLUG}/archive.zip`);
      expect(await page.getByRole('link', { name: 'manifest.tsv' }).getAttribute('href')).toBe(`/api/v1/datasets/${SLUG}/manifest.tsv`);
      await page.getByText(`npx medimg download ${SLUG} --out ./data --server ${base}`).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await shot(page, 'download-dataset-mirrored-desktop');

      await page.goto(`${base}/datasets/ptb-xl`);
      await page.getByText('This server does not hold the files of this dataset.').waitFor();
      expect(await page.locator('.download-options code.cmd').textContent()).toMatch(/^wget -r -N -c -np https:\/\/physionet\.org\/files\/ptb-xl\//);
    });
  });
});
