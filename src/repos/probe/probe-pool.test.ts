import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { nibabelFile, pydicomFile } from '../../../test/third-party.js';
import { createProbePool } from './probe-pool.js';
import { hashFile } from './probe-task.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function files(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const path = join(tmp.dir, `f${i}.txt`);
    writeFileSync(path, `file number ${i}\n`.repeat(i + 1));
    return path;
  });
}

describe('probe pool', () => {
  it('answers every file with its own result when files are sent ahead to the workers', async () => {
    const paths = [...files(60), pydicomFile('CT_small.dcm'), nibabelFile('anatomical.nii')];
    const pool = createProbePool({ size: 2, depth: 5, timeoutMs: 60_000, maxHeapMb: 256 });
    try {
      const results = await Promise.all(paths.map((p) => pool.probe(p, p)));
      for (const [i, r] of results.entries()) expect(r, paths[i]).toMatchObject({ ...(await hashFile(paths[i]!)), error: null });
      expect(results.at(-2)!.meta).toMatchObject({ format: 'dicom' });
      expect(results.at(-1)!.meta).toMatchObject({ format: 'nifti' });
    } finally {
      await pool.close();
    }
  });

  it('stops its workers after idleMs without work and starts them again for the next file', async () => {
    const paths = files(8);
    const pool = createProbePool({ size: 2, timeoutMs: 60_000, maxHeapMb: 256, idleMs: 100 });
    try {
      expect(pool.workers).toBe(2);
      const first = await Promise.all(paths.map((p) => pool.probe(p, p)));
      await vi.waitFor(() => expect(pool.workers).toBe(0), { timeout: 5000, interval: 20 });
      const again = await Promise.all(paths.map((p) => pool.probe(p, p)));
      expect(pool.workers).toBe(2);
      expect(again).toEqual(first);
      expect(first[3]).toMatchObject({ ...(await hashFile(paths[3]!)), error: null });
    } finally {
      await pool.close();
    }
  });

  it('fails only the file over the time limit; the files queued behind it go to a new worker', async () => {
    // A sparse file of 64 GiB: created at once, but hashing it takes far longer than the 3 s limit.
    const huge = join(tmp.dir, 'huge.raw');
    execFileSync('truncate', ['-s', '64G', huge]);
    const after = files(6);
    const copy = join(tmp.dir, 'ct.dcm');
    copyFileSync(pydicomFile('CT_small.dcm'), copy);
    const pool = createProbePool({ size: 1, depth: 8, timeoutMs: 3_000, maxHeapMb: 256 });
    try {
      const results = await Promise.all([huge, ...after, copy].map((p) => pool.probe(p, p)));
      expect(results[0]).toEqual({ sha256: '', crc32: '', meta: null, error: 'reading took longer than 3 s' });
      for (const [i, p] of [...after, copy].entries()) expect(results[i + 1], p).toMatchObject({ ...(await hashFile(p)), error: null });
    } finally {
      await pool.close();
    }
  });
});

describe('closing the probe pool', () => {
  it('rejects the files not yet answered instead of leaving their callers waiting', async () => {
    const paths = files(40);
    const pool = createProbePool({ size: 1, depth: 2, timeoutMs: 60_000, maxHeapMb: 256 });
    const results = paths.map((p) => pool.probe(p, p).then((r) => r.error ?? 'ok', (e: Error) => e.message));
    await pool.close();
    const outcomes = await Promise.all(results);
    expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 'probe pool is closed')).toBe(true);
    expect(outcomes).toContain('probe pool is closed');
    await expect(pool.probe(paths[0]!, 'x')).rejects.toThrow('probe pool is closed');
  });
});
