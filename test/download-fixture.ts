import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { startWorker } from '../src/main.js';
import { startTestApp } from './helpers.js';

const PNG = resolve(import.meta.dirname, 'fixtures/png');
export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A file's modification time as the index records it (whole milliseconds). */
export const indexedMtime = (path: string) => Math.trunc(statSync(path).mtimeMs);

/**
 * Writes `data` to `path` and gives it back the modification time it had before (as indexed):
 * downloads serve a file only while its size and mtime are the indexed ones.
 */
export function putBack(path: string, data: Buffer | string, mtimeMs: number): void {
  writeFileSync(path, data);
  utimesSync(path, new Date(), (mtimeMs + 0.5) / 1000);
}

/**
 * A real server on a real socket with `gamma-chest-xray` mirrored (class folders, a
 * non-ASCII name, a 3 MB random file, an empty file) through the real ingestion.
 */
export async function startMirroredServer(extra: (root: string) => void = () => {}, env: Record<string, string> = {}) {
  const t = await startTestApp(undefined, { env });
  const root = join(t.config.dataDir, 'mirror');
  const put = (rel: string, content: Buffer) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  for (const [rel, src] of [['train/cat/a.png', 'gray16.png'], ['train/dog/b.png', 'rgba8.png'], ['test/cat/c.png', 'palette.png']] as const) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    copyFileSync(join(PNG, src), join(root, rel));
  }
  put('notes/résumé é.txt', Buffer.from('accents in the name\n'));
  put('big/random.bin', randomBytes(3 * 1024 * 1024 + 17));
  put('empty.dat', Buffer.alloc(0));
  extra(root);
  await t.services.ingest.request('gamma-chest-xray', root, 'folders');
  const worker = startWorker(t.services);
  while (await worker.runOne()) { /* drain */ }
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const original = (rel: string) => readFileSync(join(root, rel));
  return { ...t, root, base, put, original };
}
export type MirroredServer = Awaited<ReturnType<typeof startMirroredServer>>;
