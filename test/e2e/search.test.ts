import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatasetList, Stats } from '../../contract/index.js';
import { DESKTOP } from './browser.js';
import { openPage, startE2E } from './setup.js';

let e2e: Awaited<ReturnType<typeof startE2E>>;
let ctx: BrowserContext;
let page: Page;
let errors: string[];
beforeAll(async () => { e2e = await startE2E(); });
afterAll(async () => { await e2e?.close(); });
beforeEach(async () => {
  await ctx?.close();
  ctx = await e2e.browser.newContext({ viewport: DESKTOP });
  ({ page, errors } = await openPage(ctx));
  return () => expect(errors).toEqual([]);
});

/** Clicks inside a wedge: its bounding box centre may lie on another slice. */
async function clickSlice(slice: ReturnType<Page['locator']>) {
  await slice.waitFor();
  const point = await slice.evaluate((el) => {
    const path = el as SVGPathElement;
    const mid = path.getPointAtLength(path.getTotalLength() / 2);
    const svg = path.ownerSVGElement!;
    const p = svg.createSVGPoint();
    p.x = 60 + (mid.x - 60) * 0.7;
    p.y = 60 + (mid.y - 60) * 0.7;
    const s = p.matrixTransform(path.getScreenCTM()!);
    return { x: s.x, y: s.y };
  });
  await page.mouse.click(point.x, point.y);
}

const countText = () => page.locator('.result-count').textContent();
const waitForCount = async (n: number) => {
  await page.locator('.result-count', { hasText: new RegExp(`^${n} datasets? found$`) }).waitFor({ timeout: 10_000 });
};

describe('Home', () => {
  it('shows live headline figures and leads to Search and Browse', async () => {
    const stats = await e2e.api<Stats>('/api/v1/stats');
    await page.goto(e2e.base);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const figures = page.locator('.figures li');
    await figures.first().waitFor();
    expect(await figures.allTextContents()).toEqual([
      `${stats.totals.datasets} datasets`,
      `${stats.totals.files.toLocaleString('en-US')} images, volumes, recordings and cases, as published`,
      `${stats.totals.modalities} modalities`,
      `${stats.totals.organs} organs`,
    ]);
    await page.getByRole('link', { name: 'Search datasets' }).click();
    await page.waitForURL(/\/search$/);
    await page.getByRole('heading', { name: 'Search datasets' }).waitFor();
  });

  it('shows an error state with a retry when the API is down', async () => {
    await page.route('**/api/v1/stats', (r) => r.abort());
    await page.goto(e2e.base);
    await page.getByRole('alert').first().waitFor();
    expect(await page.getByRole('alert').first().textContent()).toContain('cannot be reached');
    await page.unroute('**/api/v1/stats');
    await page.getByRole('button', { name: 'Try again' }).first().click();
    await page.locator('.figures li').first().waitFor();
  });
});

describe('Search', () => {
  it('updates results as the user types, without reloading the page', async () => {
    await page.goto(`${e2e.base}/search`);
    const all = await e2e.api<DatasetList>('/api/v1/datasets?per_page=1');
    await waitForCount(all.total);
    await page.evaluate(() => { (window as unknown as { marker: number }).marker = 1; });
    const expected = await e2e.api<DatasetList>('/api/v1/datasets?q=chest&per_page=20');
    await page.getByLabel('Dataset name').pressSequentially('chest', { delay: 30 });
    await page.waitForURL(/\?q=chest$/);
    await waitForCount(expected.total);
    await page.locator('table.results tbody tr td:first-child', { hasText: expected.items[0]!.name }).first().waitFor();
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    const names = await page.locator('table.results tbody tr td:first-child').allTextContents();
    expect(names).toEqual(expected.items.map((i) => i.name));
  });

  it('combines two filters with live counts, and restores the state from the URL on reload and back', async () => {
    await page.goto(`${e2e.base}/search`);
    await page.getByText('Advanced search').click();
    const ct = await e2e.api<DatasetList>('/api/v1/datasets?modality=CT&per_page=1');
    await page.getByRole('checkbox', { name: /^Computed tomography \d+$/ }).check();
    await waitForCount(ct.total);
    // The organ checkboxes now count CT datasets only.
    const lungCount = ct.facets.organ.find((f) => f.value === 'lung')!.count;
    const lung = page.getByRole('checkbox', { name: new RegExp(`^Lung ${lungCount}$`) });
    await lung.waitFor();
    await lung.check();
    const both = await e2e.api<DatasetList>('/api/v1/datasets?modality=CT&organ=lung&per_page=1');
    expect(both.total).toBe(lungCount);
    await waitForCount(both.total);
    expect(new URL(page.url()).search).toBe('?modality=CT&organ=lung');

    await page.reload();
    await waitForCount(both.total);
    expect(await page.getByRole('checkbox', { name: /^Computed tomography/ }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /^Lung/ }).isChecked()).toBe(true);

    await page.goBack();
    await waitForCount(ct.total);
    expect(new URL(page.url()).search).toBe('?modality=CT');
  });

  it('applies a filter when a pie slice is clicked, and from the keyboard', async () => {
    await page.goto(`${e2e.base}/search`);
    const xr = await e2e.api<DatasetList>('/api/v1/datasets?modality=XR&per_page=1');
    await clickSlice(page.locator('figure.pie').first().locator('path[aria-label^="X-ray:"]'));
    await waitForCount(xr.total);
    expect(new URL(page.url()).search).toBe('?modality=XR');
    const image = await e2e.api<DatasetList>('/api/v1/datasets?modality=XR&data_type=image&per_page=1');
    const slice = page.locator('figure.pie').nth(3).locator('path[aria-label^="Image:"]');
    await slice.focus();
    await page.keyboard.press('Enter');
    await waitForCount(image.total);
    expect(new URL(page.url()).search).toBe('?modality=XR&data_type=image');
  });

  it('sorts and pages the results table', async () => {
    await page.goto(`${e2e.base}/search?sort=files`);
    const p2 = await e2e.api<DatasetList>('/api/v1/datasets?sort=files&page=2&per_page=20');
    await page.locator('table.results').waitFor();
    await page.getByRole('button', { name: 'Page 2' }).click();
    await page.waitForURL(/page=2/);
    await page.locator('table.results tbody tr td:first-child', { hasText: p2.items[0]!.name }).first().waitFor();
    expect(await page.locator('table.results tbody tr td:first-child').allTextContents()).toEqual(p2.items.map((i) => i.name));
    await page.getByRole('button', { name: /^Name/ }).click();
    await page.waitForURL((u) => u.search === '?sort=name');
    expect(await countText()).toMatch(/datasets found/);
  });

  it('says so when nothing matches', async () => {
    await page.goto(`${e2e.base}/search?q=zzzxqnotadataset`);
    await page.getByText('No dataset matches').waitFor();
  });
});
