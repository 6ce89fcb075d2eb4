import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { openInstance } from '../src/main.js';

export const FIXTURE_CATALOG = resolve(import.meta.dirname, 'fixtures/catalog');
export const REAL_CATALOG = resolve(import.meta.dirname, '../catalog/datasets');

export function tempDir(prefix = 'medimg-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of a catalog folder that a test may change. */
export function copyCatalog(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

/** A real SQLite file in a temp folder, synced from `catalogDir`, behind a Fastify app. */
export async function startTestApp(catalogDir = FIXTURE_CATALOG, opts: { demo?: boolean; env?: Record<string, string> } = {}) {
  const tmp = tempDir();
  // The synthetic demo mirror stays off unless a test asks for it (its cards would change every count).
  const config = loadConfig({ MEDIMG_DATA_DIR: tmp.dir, MEDIMG_CATALOG_DIR: catalogDir, LOG_LEVEL: 'silent', MEDIMG_DEMO: opts.demo ? '1' : '0', ...opts.env });
  const instance = await openInstance(config);
  const app = await buildApp({ ...instance.services, demo: instance.demo }, {});
  return {
    app,
    config,
    ...instance,
    async close() {
      await app.close();
      await instance.close();
      tmp.cleanup();
    },
  };
}
