import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { niftiBytes } from '../../formats/pixels/test-support.js';
import { lpsAxes, reorient } from './orient.js';
import { cacheName, createDiskCache, createMemoryLru } from './preview-cache.js';
import { createRenderPool, RenderError } from './render-pool.js';
import { envelope, openSignal } from './signal-range.js';

const tmp = tempDir('medimg-render-');
afterAll(() => tmp.cleanup());

describe('orientation', () => {
  it('maps RAS voxel axes to L, P, S with flips and permutations', () => {
    // nibabel's anatomical.nii affine diag(-2, 2, 2): x already runs to the left, y must flip.
    expect(lpsAxes([[-2, 0, 0], [0, 2, 0], [0, 0, 2]])).toEqual([{ axis: 0, flip: false }, { axis: 1, flip: true }, { axis: 2, flip: false }]);
    // A sagittal acquisition: i along A (so P flipped), j along S, k along R (so L flipped).
    expect(lpsAxes([[0, 1, 0], [0, 0, 1], [1, 0, 0]])).toEqual([{ axis: 1, flip: true }, { axis: 2, flip: false }, { axis: 0, flip: true }]);
    expect(lpsAxes([[1, 0, 0], [1, 0, 0], [0, 0, 1]])).toBeNull();
  });

  it('moves every voxel to its reoriented place', () => {
    const dims: [number, number, number] = [2, 3, 4];
    const data = Float32Array.from({ length: 24 }, (_, i) => i);
    const v = reorient({ dims, spacing: [1, 2, 3], data }, [{ axis: 1, flip: true }, { axis: 2, flip: false }, { axis: 0, flip: true }]);
    expect(v.dims).toEqual([4, 2, 3]);
    expect(v.spacing).toEqual([3, 1, 2]);
    for (let z = 0; z < 4; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 2; x++) {
      const [ox, oy, oz] = [3 - z, 1 - x, y];
      expect(v.data[ox + 4 * (oy + 2 * oz)]).toBe(data[x + 2 * (y + 3 * z)]);
    }
  });
});

describe('preview caches', () => {
  it('keeps the disk cache under its byte bound, dropping the least recently used first', async () => {
    const dir = join(tmp.dir, 'disk');
    const cache = createDiskCache(dir, 10_000);
    for (let i = 0; i < 5; i++) {
      await cache.put(cacheName(`k${i}`, 'png'), Buffer.alloc(3000, i));
      // Explicit, distinct recency (older first) rather than relying on the file system's clock resolution.
      const past = Date.now() / 1000 - 1000 + i;
      utimesSync(cache.pathOf(cacheName(`k${i}`, 'png')), past, past);
    }
    const files = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.png'));
    expect(files.length).toBeLessThanOrEqual(3);
    expect(await cache.get(cacheName('k0', 'png'))).toBeNull();
    expect((await cache.get(cacheName('k4', 'png')))?.[0]).toBe(4);
    expect(cacheName('a', 'png')).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);
  });

  it('bounds the volume cache by bytes and loads a key once for concurrent callers', async () => {
    let loads = 0;
    const lru = createMemoryLru<Float32Array>(1000, (v) => v.byteLength);
    const load = async () => { loads++; return new Float32Array(100); };
    const [a, b] = await Promise.all([lru.get('a', load), lru.get('a', load)]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
    await lru.get('b', load);
    await lru.get('c', load); // 3 x 400 bytes > 1000: 'a' goes
    expect(lru.bytes).toBeLessThanOrEqual(1000);
    await lru.get('a', load);
    expect(loads).toBe(4);
  });
});

describe('render pool', () => {
  it('decodes in a worker thread and fails a task past its time limit without harming the next', async () => {
    const path = join(tmp.dir, 'v.nii');
    writeFileSync(path, niftiBytes([3, 2, 2], Int16Array.from({ length: 12 }, (_, i) => i)));
    const meta = { kind: 'volume' as const, format: 'nifti' };
    const slow = createRenderPool({ size: 1, timeoutMs: 1, maxHeapMb: 64 });
    // Starting a worker thread alone takes far longer than 1 ms.
    await expect(slow.volume({ paths: [path], meta })).rejects.toThrow(RenderError);
    await slow.close();
    const pool = createRenderPool({ size: 1, timeoutMs: 30_000, maxHeapMb: 128 });
    try {
      const v = await pool.volume({ paths: [path], meta });
      expect(v.dims).toEqual([3, 2, 2]);
      expect(Array.from(v.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect([v.min, v.max, v.orientationKnown]).toEqual([0, 11, false]);
      const missing = await pool.volume({ paths: [join(tmp.dir, 'gone.nii')], meta }).catch((e: RenderError) => e);
      expect(missing).toMatchObject({ kind: 'missing' });
    } finally {
      await pool.close();
    }
  });

  it('stops a worker that has been idle for idleMs and starts one again for the next task', async () => {
    const path = join(tmp.dir, 'idle.nii');
    writeFileSync(path, niftiBytes([2, 2, 1], Int16Array.from([1, 2, 3, 4])));
    const meta = { kind: 'volume' as const, format: 'nifti' };
    const pool = createRenderPool({ size: 2, timeoutMs: 30_000, maxHeapMb: 128, idleMs: 100 });
    try {
      expect(pool.workers).toBe(0);
      await Promise.all([pool.volume({ paths: [path], meta }), pool.volume({ paths: [path], meta })]);
      expect(pool.workers).toBe(2);
      await vi.waitFor(() => expect(pool.workers).toBe(0), { timeout: 5000, interval: 20 });
      expect((await pool.volume({ paths: [path], meta })).dims).toEqual([2, 2, 1]);
      expect(pool.workers).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

describe('signal ranges', () => {
  it('reads a WFDB format 212 record with an odd number of signals from any frame', async () => {
    // signal(5) format 212: samples s0, s1 packed as s0 & 0xff, (s0 >> 8 & 0x0f) | (s1 >> 8 & 0x0f) << 4, s1 & 0xff.
    const nsig = 3;
    const frames = 7;
    const value = (f: number, s: number) => ((f * 37 + s * 101) % 4000) - 2000;
    const samples = Array.from({ length: frames * nsig }, (_, k) => value(Math.floor(k / nsig), k % nsig) & 0xfff);
    if (samples.length % 2) samples.push(0);
    const buf = Buffer.alloc((samples.length / 2) * 3);
    for (let k = 0; k < samples.length; k += 2) {
      const [a, b] = [samples[k]!, samples[k + 1]!];
      buf[(k / 2) * 3] = a & 0xff;
      buf[(k / 2) * 3 + 1] = ((a >> 8) & 0x0f) | (((b >> 8) & 0x0f) << 4);
      buf[(k / 2) * 3 + 2] = b & 0xff;
    }
    const dir = join(tmp.dir, 'wfdb');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'r.dat'), buf);
    writeFileSync(join(dir, 'r.hea'), `r 3 100 ${frames}\n${['I', 'II', 'III'].map((n) => `r.dat 212 100(0)/uV 12 0 0 0 0 ${n}`).join('\n')}\n`);
    const r = await openSignal(join(dir, 'r.hea'), { kind: 'signal', format: 'wfdb' });
    expect(r.leads).toEqual([{ name: 'I', unit: 'uV' }, { name: 'II', unit: 'uV' }, { name: 'III', unit: 'uV' }]);
    for (const first of [0, 1, 2, 5]) {
      const { data } = await r.read(first, frames - first);
      for (let f = first; f < frames; f++) for (let s = 0; s < nsig; s++) expect(data[s]![f - first]).toBeCloseTo(value(f, s) / 100, 5);
    }
    const e = await envelope(r, { start: 0.01, end: 0.05, points: 10 });
    expect(e.values?.[1]).toEqual([1, 2, 3, 4].map((f) => value(f, 1) / 100));
  });
});
