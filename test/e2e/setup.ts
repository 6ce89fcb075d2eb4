import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { launchChromium } from './browser.js';

export const RESULTS_DIR = resolve(import.meta.dirname, '../../test-results');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The real server on the real catalog, on an ephemeral port, plus Chromium. */
export async function startE2E() {
  // The pages under test are the built ones: rebuild when the sources changed.
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/build-web.mjs')], { stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'medimg-e2e-'));
  // No scheduled upstream checks: tests never reach the internet.
  const server = await startServer(loadConfig({ PORT: '0', MEDIMG_DATA_DIR: dataDir, LOG_LEVEL: 'silent', MEDIMG_UPDATE_INTERVAL: '0' }));
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await server.app.close();
    throw err;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  return {
    base: server.address,
    browser,
    async api<T>(path: string): Promise<T> {
      return (await fetch(`${server.address}${path}`)).json() as Promise<T>;
    },
    async close() {
      await browser.close();
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A page that fails the test on any script error. */
export async function openPage(ctx: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

export async function axeViolations(page: Page): Promise<{ id: string; impact: string; nodes: number; help: string }[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; nodes: unknown[]; help: string }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
}

/** Runs `fn` on a fresh page of the given size and fails the test on any script error it raised. */
export async function withPage(browser: Browser, viewport: { width: number; height: number }, fn: (page: Page, ctx: BrowserContext) => Promise<void>) {
  const ctx = await browser.newContext({ viewport });
  const { page, errors } = await openPage(ctx);
  try {
    await fn(page, ctx);
    expect(errors).toEqual([]);
  } finally {
    await ctx.close();
  }
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
