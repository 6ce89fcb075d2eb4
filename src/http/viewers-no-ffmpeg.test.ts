// Without ffmpeg (MEDIMG_FFMPEG pointing at nothing), what needs it says so with 501, and the rest still works.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FIXTURE_CATALOG, tempDir } from '../../test/helpers.js';
import { loadConfig } from '../config.js';
import { openInstance, startWorker } from '../main.js';
import { buildApp } from './app.js';

const FIX = resolve(import.meta.dirname, '../../test/fixtures');
const tmp = tempDir();
let instance: Awaited<ReturnType<typeof openInstance>>;
let app: Awaited<ReturnType<typeof buildApp>>;
const ids = new Map<string, number>();

beforeAll(async () => {
  const config = loadConfig({ MEDIMG_DATA_DIR: tmp.dir, MEDIMG_CATALOG_DIR: FIXTURE_CATALOG, LOG_LEVEL: 'silent', MEDIMG_FFMPEG: join(tmp.dir, 'no-ffmpeg-here') });
  instance = await openInstance(config);
  app = await buildApp(instance.services, {});
  const root = join(tmp.dir, 'mirror');
  mkdirSync(root, { recursive: true });
  for (const [name, from] of [['a.avi', 'avi/mjpeg-32x24.avi'], ['b.mp4', 'mp4/h264-32x24.mp4'], ['c.ogg', 'ogg/vorbis-mono-22k.ogg'], ['d.wav', 'wav/stereo16-8k.wav']]) {
    copyFileSync(join(FIX, from!), join(root, name!));
  }
  await instance.services.ingest.request('delta-heart-ecg', root, undefined);
  const worker = startWorker(instance.services);
  while (await worker.runOne()) { /* drain */ }
  for (const f of (await app.inject('/api/v1/datasets/delta-heart-ecg/files')).json().items as { id: number; path: string }[]) ids.set(f.path, f.id);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await instance?.close();
  tmp.cleanup();
});

it('answers 501 ffmpeg_unavailable for transcoding, posters and compressed-audio peaks', async () => {
  for (const url of [`/api/v1/files/${ids.get('a.avi')}/video`, `/api/v1/files/${ids.get('a.avi')}/poster`, `/api/v1/files/${ids.get('c.ogg')}/peaks`]) {
    const res = await app.inject(url);
    expect(res.statusCode, url).toBe(501);
    expect(res.json().error).toMatchObject({ code: 'ffmpeg_unavailable', message: expect.stringMatching(/^preview unavailable: install ffmpeg/) });
  }
});

it('still plays MP4 natively and draws WAV peaks without ffmpeg', async () => {
  expect((await app.inject(`/api/v1/files/${ids.get('b.mp4')}/video`)).statusCode).toBe(200);
  expect((await app.inject(`/api/v1/files/${ids.get('d.wav')}/peaks`)).json().channels).toBe(2);
});
