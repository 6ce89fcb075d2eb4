import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { openUpstreamInstance, serveCatalogUpstream, upstreamEnv } from '../fixtures/upstream/instance.js';
import { type FakeUpstream, startFakeUpstream } from '../fixtures/upstream/server.js';
import { DESKTOP, launchChromium } from './browser.js';
import { axeViolations, openPage, shot } from './setup.js';

// The update checks seen in the browser: a server over the upstream fixture catalog whose
// checks (one change, one source dead for 3 checks) ran against the local fake upstream.
let up: FakeUpstream;
let dataDir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;

beforeAll(async () => {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/build-web.mjs')], { stdio: 'inherit' });
  up = await startFakeUpstream();
  const upstream = { zenodoVersion: 'v1', pageEtag: '"a"', deadStatus: 404 };
  serveCatalogUpstream(up, upstream);
  dataDir = mkdtempSync(join(tmpdir(), 'medimg-e2e-updates-'));
  const clock = { now: new Date('2026-05-01T00:00:00Z') };
  const inst = await openUpstreamInstance(up, dataDir, clock);
  await inst.services.updates.checkAll();
  upstream.zenodoVersion = 'v2';
  clock.now = new Date('2026-05-02T00:00:00Z');
  for (let i = 0; i < 3; i++) await inst.services.updates.checkAll();
  await inst.close();
  server = await startServer(loadConfig({ ...upstreamEnv(up, dataDir), PORT: '0', MEDIMG_UPDATE_INTERVAL: '0' }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.app.close();
  await up?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function visit(path: string, fn: (page: Page) => Promise<void>) {
  const ctx = await browser.newContext({ viewport: DESKTOP });
  const { page, errors } = await openPage(ctx);
  try {
    await page.goto(`${server.address}${path}`);
    await page.waitForLoadState('networkidle');
    await fn(page);
    const bad = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await ctx.close();
  }
}

describe('update checks in the pages', () => {
  it('Home lists the detected change and links the feed', async () => {
    await visit('/', async (page) => {
      const events = page.locator('.update-events li');
      await events.first().waitFor();
      const texts = await events.allTextContents();
      expect(texts.some((t) => t.includes('Upstream Zenodo Fixture') && t.includes('new version v2 (was v1)'))).toBe(true);
      expect(texts.some((t) => t.includes('Upstream Dead Link Fixture') && t.includes('unreachable for 3 checks'))).toBe(true);
      expect(await page.locator('head link[rel="alternate"][type="application/atom+xml"]').getAttribute('href')).toBe('/feed.xml');
      await shot(page, 'updates-home');
    });
  });

  it('the dataset page shows link health and its own feed', async () => {
    await visit('/datasets/up-dead', async (page) => {
      await page.locator('.link-health').waitFor();
      expect(await page.locator('.link-health .flag-unreachable').textContent()).toMatch(/Source unreachable: the last 4 checks in a row/);
      expect(await page.locator('.link-health').textContent()).toMatch(/has not answered any check yet/);
      expect(await page.locator('.link-health a').getAttribute('href')).toBe('/datasets/up-dead/feed.xml');
      await shot(page, 'updates-dataset-flagged');
    });
    await visit('/datasets/up-page', async (page) => {
      await page.locator('.link-health').waitFor();
      expect(await page.locator('.link-health').textContent()).toMatch(/Source last verified reachable on 2026-05-02/);
      expect(await page.locator('.link-health .flag-unreachable').count()).toBe(0);
    });
  });

  it('search flags unreachable sources and can hide them', async () => {
    await visit('/search', async (page) => {
      const row = page.locator('table.results tr', { hasText: 'Upstream Dead Link Fixture' });
      await row.waitFor();
      expect(await row.locator('.flag-unreachable').textContent()).toMatch(/unreachable/);
      // The filter sits in the folded "Advanced search" panel.
      await page.locator('details.advanced > summary').click();
      await page.locator('#hide-unreachable').check();
      await page.waitForURL(/hide_unreachable=true/);
      await page.locator('table.results tr', { hasText: 'Upstream Dead Link Fixture' }).waitFor({ state: 'detached' });
      expect(await page.locator('.result-count').textContent()).toBe('3 datasets found');
      await shot(page, 'updates-search-hidden');
    });
  });
});
