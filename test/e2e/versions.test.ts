import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openInstance, startServer, startWorker } from '../../src/main.js';
import { FIXTURE_CATALOG } from '../helpers.js';
import { DESKTOP, PHONE, launchChromium } from './browser.js';
import { axeViolations, openPage, shot } from './setup.js';

// The version history of a mirror in the browser: a dataset ingested twice, with a file
// modified, one removed and one added in between.
const SLUG = 'alpha-lung-ct';
let dataDir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;

beforeAll(async () => {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/build-web.mjs')], { stdio: 'inherit' });
  dataDir = mkdtempSync(join(tmpdir(), 'medimg-e2e-versions-'));
  const root = join(dataDir, 'dataset');
  mkdirSync(join(root, 'scans'), { recursive: true });
  writeFileSync(join(root, 'scans/a.txt'), 'first');
  writeFileSync(join(root, 'scans/b.txt'), 'second');
  const env = { MEDIMG_DATA_DIR: join(dataDir, 'data'), MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, LOG_LEVEL: 'silent', MEDIMG_THUMBNAILS: '0' };
  const inst = await openInstance(loadConfig(env));
  const ingest = async () => {
    await inst.services.ingest.request(SLUG, root);
    const worker = startWorker(inst.services);
    while (await worker.runOne()) { /* drain */ }
  };
  await ingest();
  writeFileSync(join(root, 'scans/a.txt'), 'first, changed');
  utimesSync(join(root, 'scans/a.txt'), new Date(), new Date(Date.now() + 10_000));
  rmSync(join(root, 'scans/b.txt'));
  writeFileSync(join(root, 'scans/c <b>.txt'), 'third');
  await ingest();
  await inst.close();
  server = await startServer(loadConfig({ ...env, PORT: '0', MEDIMG_UPDATE_INTERVAL: '0' }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('version history on the dataset page', () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    it(`lists the versions, expands a diff, filters it and links the manifest (${name})`, async () => {
      const ctx = await browser.newContext({ viewport });
      const { page, errors } = await openPage(ctx);
      try {
        await page.goto(`${server.address}/datasets/${SLUG}`);
        const section = page.locator('section.versions');
        await section.getByRole('heading', { name: 'Version history' }).waitFor();
        const entries = section.locator('li.version');
        await entries.first().waitFor();
        expect(await entries.locator('summary').allInnerTexts()).toEqual([
          expect.stringMatching(/^Version 2 · .* UTC · 2 files \(19 B\) · 1 added, 1 removed, 1 modified$/),
          expect.stringMatching(/^Version 1 · .* UTC · 2 files \(11 B\) · 2 added, 0 removed, 0 modified$/),
        ]);

        await entries.first().locator('summary').click();
        const changes = entries.first().locator('.version-changes li');
        await changes.first().waitFor();
        // Paths are shown as text, never as markup.
        expect(await changes.allInnerTexts()).toEqual(['modified scans/a.txt 5 B → 14 B', 'removed scans/b.txt 6 B', 'added scans/c <b>.txt 5 B']);
        await entries.first().getByRole('button', { name: 'Removed (1)' }).click();
        await page.waitForFunction(() => document.querySelectorAll('li.version .version-changes li').length === 1);
        expect(await changes.allInnerTexts()).toEqual(['removed scans/b.txt 6 B']);

        const href = await entries.nth(1).getByRole('link', { name: /Manifest of version 1/ }).getAttribute('href');
        const manifest = await (await fetch(`${server.address}${href}`)).text();
        expect(manifest.split('\n').map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(['path size', 'scans/a.txt 5', 'scans/b.txt 6', '']);

        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth).toBeLessThanOrEqual(viewport.width);
        const bad = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(bad).toEqual([]);
        await shot(page, `versions-${name}`);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    });
  }
});
