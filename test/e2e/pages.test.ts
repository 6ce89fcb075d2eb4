import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Card, DatasetList, Stats } from '../../contract/index.js';
import { DESKTOP, PHONE } from './browser.js';
import { axeViolations, shot, startE2E, withPage as withBrowserPage } from './setup.js';

let e2e: Awaited<ReturnType<typeof startE2E>>;
beforeAll(async () => { e2e = await startE2E(); });
afterAll(async () => { await e2e?.close(); });

const withPage = (viewport: { width: number; height: number }, fn: (page: Page, ctx: BrowserContext) => Promise<void>) =>
  withBrowserPage(e2e.browser, viewport, fn);

const PAGES: [string, string, string][] = [
  ['home', '/', 'Public medical image datasets, in one place'],
  ['search', '/search?modality=CT', 'Search datasets'],
  ['browse', '/browse?dataset=ptb-xl', 'Browse by data type, modality and organ'],
  ['dataset', '/datasets/chest-xray-pneumonia', 'Chest X-Ray Images (Pneumonia)'],
  ['download', '/download', 'Download'],
  ['stats', '/stats', 'Statistics'],
  ['not-found', '/datasets/no-such-dataset', 'Page not found'],
];

async function settle(page: Page) {
  await page.waitForLoadState('networkidle');
  await page.locator('.state-loading').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}

describe('Browse', () => {
  it('expands the tree, checks a modality node to select its datasets, and shows a leaf on the right', async () => {
    const xrImages = await e2e.api<DatasetList>('/api/v1/datasets?data_type=image&modality=XR&per_page=100');
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${e2e.base}/browse`);
      await page.getByRole('button', { name: 'Expand Image' }).click();
      const xr = page.locator('.level-modality', { has: page.getByRole('button', { name: 'X-ray', exact: true }) }).first();
      expect(await xr.locator('> .node-row .count').textContent()).toBe(String(xrImages.total));
      await page.getByRole('checkbox', { name: 'Select all X-ray datasets' }).first().check();
      await page.getByRole('button', { name: `Download Selected (${xrImages.total})` }).click();
      const listed = await page.locator('.selection li > a:first-child').allTextContents();
      expect(listed.sort()).toEqual(xrImages.items.map((d) => d.name).sort());
      // The parent node is now partly checked.
      expect(await page.getByRole('checkbox', { name: 'Select all Image datasets' }).evaluate((el) => (el as HTMLInputElement).indeterminate)).toBe(true);

      await page.getByRole('button', { name: 'Expand X-ray' }).first().click();
      await page.getByRole('button', { name: 'Expand Lung' }).first().click();
      const leaf = page.locator('.leaf a', { hasText: 'Chest X-Ray Images (Pneumonia)' }).first();
      await leaf.click();
      await page.waitForURL(/\/browse\?dataset=chest-xray-pneumonia$/);
      await page.locator('.detail-panel h2', { hasText: 'Chest X-Ray Images (Pneumonia)' }).waitFor();
    });
  });

  it('hides the tree behind a button at 375 px', async () => {
    await withPage(PHONE, async (page) => {
      await page.goto(`${e2e.base}/browse`);
      const toggle = page.getByRole('button', { name: 'Show navigation tree' });
      await toggle.waitFor();
      expect(await page.locator('.tree').isVisible()).toBe(false);
      await toggle.click();
      await page.locator('.tree').first().waitFor();
      await page.getByRole('button', { name: 'Expand Signal' }).click();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    });
  });
});

describe('Dataset page', () => {
  it('shows every detail field of the card, as text', async () => {
    const card = await e2e.api<Card>('/api/v1/datasets/ptb-xl');
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${e2e.base}/datasets/ptb-xl`);
      await page.getByRole('heading', { level: 1, name: card.name }).waitFor();
      const field = async (term: string) => page.locator('.field', { has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) }).locator('dd').textContent();
      expect(await field('Data type')).toBe('Signal');
      expect(await field('Modality')).toBe('Electrocardiography');
      expect(await field('Organ')).toBe('Heart');
      expect(await field('Task')).toBe('Classification');
      expect(await field('Formats')).toBe(card.formats!.map((f) => `.${f}`).join(', '));
      expect(await field('Sample size')).toBe(`${card.file_count!.toLocaleString('en-US')} recordings`);
      expect(await field('Subjects')).toBe(card.subjects!.toLocaleString('en-US'));
      expect(await field('Annotation')).toBe(`Labelled: ${card.annotation}`);
      expect(await field('Year')).toBe(String(card.year));
      expect(await field('Source')).toContain(card.source.url);
      expect(await field('Licence')).toContain('not verified');
      expect(await field('Last updated upstream')).toBe(card.upstream_updated);
      expect(await page.locator('.citation').textContent()).toContain(card.citation!.text);
      await page.getByRole('heading', { name: 'Related open-source code' }).waitFor();
      await page.getByRole('heading', { name: 'Representative samples' }).waitFor();
      await page.getByRole('button', { name: 'Copy BibTeX' }).click();
      await page.getByText('Copied').or(page.getByText('Copy failed')).first().waitFor();
    });
  });

  it('carries its title, description and JSON-LD in the HTML before any script runs', async () => {
    const html = await (await fetch(`${e2e.base}/datasets/ptb-xl`)).text();
    expect(html).toContain('<title>PTB-XL — MedImg</title>');
    expect(html).toMatch(/<meta name="description" content="Ten-second clinical 12-lead ECGs/);
    expect(html).toContain('"@type":"Dataset"');
  });

  it('renders catalog text as text, never as HTML', async () => {
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${e2e.base}/datasets/ptb-xl`);
      await page.locator('.lead').waitFor();
      // The app never uses innerHTML-style rendering: no element inside the card text.
      expect(await page.locator('.lead *').count()).toBe(0);
      expect(await page.locator('.citation > :not(a)').count()).toBe(0);
    });
  });
});

describe('Download and Statistics', () => {
  it('lists every dataset by modality and organ, with how to get it from its source', async () => {
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${e2e.base}/download`);
      await page.locator('.dl-group').first().waitFor();
      expect(await page.getByText('This server holds no mirrored files yet').count()).toBe(1);
      const kaggle = page.locator('.dl-list li', { hasText: 'Head CT - Hemorrhage' }).first();
      expect(await kaggle.locator('code').textContent()).toBe('kaggle datasets download -d felipekitamura/head-ct-hemorrhage');
    });
  });

  it('draws Figure 1 and Table 1 from the live database', async () => {
    const stats = await e2e.api<Stats>('/api/v1/stats');
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${e2e.base}/stats`);
      await page.locator('table.table1 tbody tr').first().waitFor();
      expect(await page.locator('table.table1 tbody tr').count()).toBe(stats.table1.length);
      const modalities = page.locator('table.bar-table').first().locator('tbody tr');
      expect(await modalities.count()).toBe(stats.by_modality.length);
      expect(await modalities.first().locator('th').textContent()).toBe(stats.by_modality[0]!.label);
    });
  });
});

describe('every page', () => {
  it.each(PAGES)('%s: loads, has no serious or critical axe violations, fits 375 px, screenshots', async (name, path, heading) => {
    for (const [label, viewport] of [['desktop', DESKTOP], ['375', PHONE]] as const) {
      await withPage(viewport, async (page) => {
        await page.goto(`${e2e.base}${path}`);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await settle(page);
        if (label === '375') expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} scrolls sideways`).toBeLessThanOrEqual(375);
        const bad = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(bad, `${name} (${label})`).toEqual([]);
        await shot(page, `${name}-${label}`);
      });
    }
  });

  it('can be walked with the keyboard: skip link, navigation, search box, filters', async () => {
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${e2e.base}/`);
      await page.locator('.figures li').first().waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Search');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/search$/);
      await page.getByLabel('Dataset name').focus();
      await page.keyboard.type('brain');
      await page.waitForURL(/q=brain/);
      // Tab to the advanced panel, open it, and toggle the first modality checkbox with Space.
      await page.locator('.advanced summary').focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await page.waitForURL(/modality=/);
    });
  });

  it('answers an unknown address with a real 404', async () => {
    const res = await fetch(`${e2e.base}/no/such/page`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    await withPage(DESKTOP, async (page) => {
      await page.goto(`${e2e.base}/no/such/page`);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    });
  });
});
