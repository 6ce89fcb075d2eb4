import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import { nibabelFile, pydicomFile } from '../../../test/third-party.js';
import { readFileMeta } from '../../formats/index.js';
import { hashFile, probeFile } from './probe-task.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** CRC-32 and SHA-256 computed by another implementation: Python's zlib and hashlib. */
function pythonHashes(path: string): { sha256: string; crc32: string } {
  const out = execFileSync('python3', ['-c', [
    'import hashlib, sys, zlib',
    'data = open(sys.argv[1], "rb").read()',
    'print("%08x" % zlib.crc32(data), hashlib.sha256(data).hexdigest())',
  ].join('\n'), path]).toString().trim().split(' ');
  return { crc32: out[0]!, sha256: out[1]! };
}

describe('hashFile', () => {
  it('gives the CRC-32 and SHA-256 that Python computes for a real DICOM file', async () => {
    const file = pydicomFile('CT_small.dcm');
    expect(await hashFile(file)).toEqual(pythonHashes(file));
  });

  it('chains the CRC over the read chunks of a file too large to be read whole (9.5 MiB)', async () => {
    const data = Buffer.alloc(9.5 * 2 ** 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const file = join(tmp.dir, 'big.bin');
    writeFileSync(file, data);
    const ours = await hashFile(file);
    expect(ours).toEqual(pythonHashes(file));
    // `gzip` stores the CRC-32 of its input in the trailer (RFC 1952 §2.3.1): a third opinion.
    const gz = execFileSync('gzip', ['-c', file]);
    expect(gz.readUInt32LE(gz.length - 8).toString(16).padStart(8, '0')).toBe(ours.crc32);
  });

  it('pads small CRCs to 8 hex digits and handles an empty file', async () => {
    const file = join(tmp.dir, 'empty');
    writeFileSync(file, '');
    expect(await hashFile(file)).toEqual({ crc32: '00000000', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
  });
});

describe('probeFile', () => {
  it('returns the CRC-32 with the hash and the metadata', async () => {
    const file = pydicomFile('CT_small.dcm');
    const r = await probeFile(file, 'CT_small.dcm');
    expect(r).toMatchObject({ ...pythonHashes(file), error: null, meta: { format: 'dicom', width: 128 } });
  });

  it('returns the hashes of a file whose format cannot be read', async () => {
    const file = join(tmp.dir, 'bad.png');
    writeFileSync(file, Buffer.from('89504e470d0a1a0a00000000', 'hex'));
    const r = await probeFile(file, 'bad.png');
    expect(r).toMatchObject({ ...pythonHashes(file), meta: null, error: expect.stringMatching(/png/) });
  });
});

describe('probeFile on a file that cannot be read', () => {
  it('records the reason instead of throwing', async () => {
    expect(await probeFile(join(tmp.dir, 'vanished.png'), 'vanished.png')).toEqual({ sha256: '', crc32: '', meta: null, error: 'unreadable: ENOENT' });
    expect(await probeFile(tmp.dir, 'a-folder')).toMatchObject({ meta: null, error: 'unreadable: not a regular file' });
  });

  it('does not block on a FIFO that took the place of a file', async () => {
    const fifo = join(tmp.dir, 'pipe.dcm');
    execFileSync('mkfifo', [fifo]);
    expect(await probeFile(fifo, 'pipe.dcm')).toMatchObject({ meta: null, error: 'unreadable: not a regular file' });
  });
});

describe('metadata read from the bytes of the hashing pass', () => {
  it('equals what the format registry reads from the file, for every fixture and third-party test file', async () => {
    const fixtures = readdirSync(join(import.meta.dirname, '../../../test/fixtures'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && !/(catalog|upstream)/.test(d.parentPath) && !/\.(py|md|ya?ml|json)$/.test(d.name))
      .map((d) => join(d.parentPath, d.name));
    const dicom = readdirSync(join(pydicomFile('CT_small.dcm'), '..')).filter((n) => n.endsWith('.dcm')).map((n) => pydicomFile(n));
    const nifti = readdirSync(join(nibabelFile('anatomical.nii'), '..')).filter((n) => /\.nii(\.gz)?$/.test(n)).map((n) => nibabelFile(n));
    const all = [...fixtures, ...dicom, ...nifti];
    expect(all.length).toBeGreaterThan(100);
    for (const path of all) {
      const expected = await readFileMeta(path, undefined, basename(path)).then((meta) => ({ meta, error: null }), (err: Error) => ({ meta: null, error: err.message }));
      const got = await probeFile(path, basename(path));
      expect({ meta: got.meta, error: got.error }, path).toEqual(expected);
    }
  });
});
