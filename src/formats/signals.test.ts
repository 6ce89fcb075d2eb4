// Signals and tables. Expected values come from BioSig's `save2gdf -JSON` (biosig-tools 2.5, an independent
// EDF/MIT-WFDB reader) run on the fixtures; the CSV without a time column was written by `save2gdf -CSV`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, readFileMeta } from './index.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures');
const fx = (p: string) => join(FIXTURES, p);
const tmp = mkdtempSync(join(tmpdir(), 'medimg-signals-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, data: Buffer | string) => {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
};

describe('WFDB', () => {
  it('reads ecg2.hea (BioSig: MIT, 2 channels, 250 Hz, 500 samples, labels II and V5)', async () => {
    expect(await readFileMeta(fx('wfdb/ecg2.hea'))).toEqual({
      kind: 'signal', format: 'wfdb', leads: 2, leadNames: ['II', 'V5'], sampleRate: 250, durationSec: 2,
    });
    expect(await readFileMeta(fx('wfdb/ecg2.dat'))).toEqual({ kind: 'other', format: 'wfdb-data' });
  });

  it('reads comments, counter frequencies and multi-segment records', async () => {
    const hea = '# comment\n100 2 360/1(0) 650000 0:0:0\n100.dat 212 200 11 1024 995 -22131 0 MLII\n100.dat 212 200 11 1024 1011 20052 0 V5\n';
    expect(await readFileMeta(write('100.hea', hea))).toMatchObject({ leads: 2, sampleRate: 360, leadNames: ['MLII', 'V5'] });
    expect((await readFileMeta(write('100.hea', hea))).durationSec).toBeCloseTo(1805.556, 3);
    expect(await readFileMeta(write('multi.hea', 'multi/3 2 125 1000\nseg1 500\nseg2 500\n~ 0\n'))).toMatchObject({ leads: 2, sampleRate: 125, durationSec: 8 });
  });

  it('rejects garbage headers', async () => {
    await expect(readFileMeta(write('empty.hea', ''))).rejects.toThrow(/no record line/);
    await expect(readFileMeta(write('bin.hea', Buffer.from([1, 2, 0, 4])))).rejects.toThrow(FormatError);
    await expect(readFileMeta(write('many.hea', 'r 99999999 250\n'))).rejects.toThrow(/number of signals/);
    await expect(readFileMeta(write('short.hea', 'r 3 250 100\nr.dat 16\n'))).rejects.toThrow(/fewer signal lines/);
  });
});

describe('EDF', () => {
  it('reads ecg3.edf (BioSig: EDF, 3 channels incl. annotations, 2 records, 250 Hz, 500 samples)', async () => {
    expect(await readFileMeta(fx('edf/ecg3.edf'))).toEqual({
      kind: 'signal', format: 'edf', leads: 2, leadNames: ['ECG I', 'ECG II'], sampleRate: 250, durationSec: 2, bitDepth: 16,
    });
  });

  it('never reads the patient or recording identification fields', async () => {
    const edf = Buffer.from(readFileSync(fx('edf/ecg3.edf')));
    edf.write('MCH-0234567 F 02-MAY-1951 Haagse_Harry'.padEnd(80), 8, 'latin1');
    const json = JSON.stringify(await readFileMeta(write('named.edf', edf)));
    expect(json).not.toMatch(/Haagse|MCH|1951/);
  });

  it('rejects truncated and absurd headers', async () => {
    const edf = readFileSync(fx('edf/ecg3.edf'));
    await expect(readFileMeta(write('cut.edf', edf.subarray(0, 600)))).rejects.toThrow(/truncated/);
    const many = Buffer.from(edf);
    many.write('9999', 252, 'latin1');
    await expect(readFileMeta(write('many.edf', many))).rejects.toThrow(/number of signals/);
    const lying = Buffer.from(edf);
    lying.write('256     ', 184, 'latin1');
    await expect(readFileMeta(write('lying.edf', lying))).rejects.toThrow(/header size/);
    await expect(readFileMeta(write('random.edf', Buffer.alloc(300, 7)))).rejects.toThrow(FormatError);
  });
});

describe('CSV', () => {
  it('reads a numeric CSV with a time column as a signal', async () => {
    expect(await readFileMeta(fx('csv/ecg-time.csv'))).toEqual({ kind: 'signal', format: 'csv', leads: 2, leadNames: ['II', 'V5'], sampleRate: 250 });
  });

  it('reads a CSV without a time column as a table', async () => {
    expect(await readFileMeta(fx('csv/biosig-no-time.csv'))).toEqual({ kind: 'table', format: 'csv' });
    expect(await readFileMeta(write('labels.csv', 'path,label\na.png,cat\nb.png,dog\n'))).toEqual({ kind: 'table', format: 'csv' });
  });

  it('handles tabs, milliseconds and quoted headers', async () => {
    const tsv = '"time (ms)"\tFp1\tFp2\tCz\n0\t1\t2\t3\n2\t1\t2\t3\n4\t1\t2\t3\n';
    expect(await readFileMeta(write('eeg.tsv', tsv))).toMatchObject({ kind: 'signal', leads: 3, sampleRate: 500 });
  });

  it('samples a bounded prefix of a large file', async () => {
    const big = 'time,a\n' + Array.from({ length: 200_000 }, (_, i) => `${i / 100},${i % 7}`).join('\n');
    expect(await readFileMeta(write('big.csv', big))).toMatchObject({ kind: 'signal', leads: 1, sampleRate: 100 });
  });

  it('rejects empty and binary files', async () => {
    await expect(readFileMeta(write('empty.csv', ''))).rejects.toThrow(/empty file/);
    await expect(readFileMeta(write('bin.csv', Buffer.from([0, 1, 2, 3])))).rejects.toThrow(/binary/);
  });
});
