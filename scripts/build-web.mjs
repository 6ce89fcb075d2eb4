#!/usr/bin/env node
// Builds the browser app into web/dist when its sources are newer than the last
// build, so `npm start` on a fresh clone serves the pages with nothing else to run.
// `--force` rebuilds regardless.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const stamp = join(root, 'web/dist/.build-stamp');
const inputs = ['web/src', 'web/index.html', 'web/vite.config.ts', 'contract', 'package-lock.json'].map((p) => join(root, p));

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((n) => newest(join(path, n))));
}

const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...inputs.map(newest))) {
  process.exit(0);
}
const { build } = await import('vite');
await build({ configFile: join(root, 'web/vite.config.ts'), logLevel: process.env.CI ? 'warn' : 'info' });
writeFileSync(stamp, new Date().toISOString());
