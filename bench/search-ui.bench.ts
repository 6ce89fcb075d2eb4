// Search-as-you-type latency in Chromium: from the last keystroke to the result
// count on screen, against a baseline of the same API request fetched from the
// page (the part no UI can avoid). The debounce (80 ms) is included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';
import { launchChromium } from '../test/e2e/browser.js';

const WORDS = ['chest', 'brain', 'ecg', 'retina', 'kidney', 'skin', 'lung nodule', 'heart sound', 'polyp', 'knee'];
execFileSync(process.execPath, [join(import.meta.dirname, '../scripts/build-web.mjs')], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'medimg-bench-ui-'));
const server = await startServer(loadConfig({ PORT: '0', MEDIMG_DATA_DIR: dir, LOG_LEVEL: 'silent' }));
const browser = await launchChromium();
const page = await browser.newPage();
// tsx compiles with keepNames, which wraps named functions in __name(): give the page one.
await page.addInitScript('window.__name = (f) => f');
await page.goto(`${server.address}/search`);
await page.locator('.result-count', { hasText: 'found' }).waitFor();

const ui: number[] = [];
const api: number[] = [];
for (const word of WORDS) {
  await page.goto(`${server.address}/search`);
  await page.locator('.result-count', { hasText: 'found' }).waitFor();
  const box = page.getByLabel('Dataset name');
  await box.pressSequentially(word.slice(0, -1), { delay: 20 });
  // Timed inside the page: the keydown of the last key, and the first paint after
  // the results table shows the rows of the final query.
  const expected = await page.evaluate(async (q) => (await (await fetch(`/api/v1/datasets?q=${encodeURIComponent(q)}&per_page=20`)).json()).items[0]?.name ?? '', word);
  await page.evaluate((first) => {
    const w = window as unknown as { t0?: number; t1?: Promise<number> };
    w.t0 = undefined;
    document.addEventListener('keydown', () => { w.t0 = performance.now(); }, { once: true });
    w.t1 = new Promise<number>((resolve) => {
      const check = () => {
        const cell = document.querySelector('table.results tbody tr td');
        if (w.t0 !== undefined && cell?.textContent === first && location.search.includes('q=')) {
          obs.disconnect();
          requestAnimationFrame(() => resolve(performance.now()));
        }
      };
      const obs = new MutationObserver(check);
      obs.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }, expected);
  await box.press(word.slice(-1));
  ui.push(await page.evaluate(async () => {
    const w = window as unknown as { t0: number; t1: Promise<number> };
    return (await w.t1) - w.t0;
  }));
  api.push(await page.evaluate(async (q) => {
    const t0 = performance.now();
    await (await fetch(`/api/v1/datasets?q=${encodeURIComponent(q)}&per_page=20`)).json();
    return performance.now() - t0;
  }, word));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`last keystroke -> results painted: median ${median(ui).toFixed(1)} ms, max ${Math.max(...ui).toFixed(1)} ms (${WORDS.length} searches, 80 ms debounce included)`);
console.log(`baseline API fetch from the page:  median ${median(api).toFixed(1)} ms; ratio ${(median(ui) / median(api)).toFixed(1)}x`);
await browser.close();
await server.app.close();
rmSync(dir, { recursive: true, force: true });
