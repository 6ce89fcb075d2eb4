// Search latency: the full API path (inject -> validation -> service -> SQL with
// facets) against a raw SQL baseline in the same process on the same database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { openInstance } from '../src/main.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const QUERIES = [
  '', '?q=chest', '?q=brain%20tumour', '?modality=CT&modality=MRI&organ=lung',
  '?task=segmentation&labelled=true&sort=files', '?q=ecg&per_page=100', '?format=nii.gz&page=2&per_page=10',
];

const dir = mkdtempSync(join(tmpdir(), 'medimg-bench-'));
const config = loadConfig({ MEDIMG_DATA_DIR: dir, MEDIMG_CATALOG_DIR: resolve(import.meta.dirname, '../catalog/datasets'), LOG_LEVEL: 'silent' });
const instance = await openInstance(config);
const app = await buildApp(instance.services);
const raw = new SQLite(config.sqliteFile, { readonly: true });
const rawStmt = raw.prepare(`SELECT card FROM datasets WHERE slug IN (SELECT slug FROM datasets_fts WHERE datasets_fts MATCH ?) ORDER BY name LIMIT 20`);

function time(fn: () => unknown | Promise<unknown>) {
  return async () => {
    const samples: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(samples.length / 2)]!, p95: samples[Math.floor(samples.length * 0.95)]! };
  };
}

console.log(`catalog: ${instance.sync.inserted + instance.sync.unchanged} datasets, ${ROUNDS} rounds per query`);
const baseline = await time(() => rawStmt.all('"chest"*'))();
console.log(`baseline raw SQL FTS page      p50 ${baseline.p50.toFixed(3)} ms  p95 ${baseline.p95.toFixed(3)} ms`);
for (const q of QUERIES) {
  const r = await time(() => app.inject(`/api/v1/datasets${q}`))();
  console.log(`GET /api/v1/datasets${q.padEnd(46)} p50 ${r.p50.toFixed(3)} ms  p95 ${r.p95.toFixed(3)} ms  ratio p50 vs baseline ${(r.p50 / baseline.p50).toFixed(1)}x`);
}
raw.close();
await app.close();
await instance.close();
rmSync(dir, { recursive: true, force: true });
