// WAV expectations come from Python's wave module + NumPy (stereo16-8k.wav) and from ffmpeg 5 decoding to
// s32le (3ch24-16k-extensible.wav, WAVE_FORMAT_EXTENSIBLE, which `wave` does not read). EDF and WFDB
// expectations follow the generator scripts beside the fixtures (test/fixtures/edf/make_edf.py,
// test/fixtures/wfdb/make_wfdb.py).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../types.js';
import { edfChannels, wfdbChannels } from './signals.js';
import { tempFolder } from './test-support.js';
import { drawWaveform, readFrames, wavChannels, WAVEFORM_READ_BUDGET } from './waveform.js';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures');
const tmp = tempFolder();
afterAll(tmp.cleanup);
const min = (a: Float32Array) => a.reduce((x, y) => Math.min(x, y), Infinity);
const max = (a: Float32Array) => a.reduce((x, y) => Math.max(x, y), -Infinity);

function wav(channels: number, bits: number, tag: number, samples: Buffer): Buffer {
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(tag, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(8000, 12);
  fmt.writeUInt32LE(8000 * channels * (bits / 8), 16);
  fmt.writeUInt16LE(channels * (bits / 8), 20);
  fmt.writeUInt16LE(bits, 22);
  const data = Buffer.alloc(8);
  data.write('data', 0, 'latin1');
  data.writeUInt32LE(samples.length, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + fmt.length + 8 + samples.length, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, fmt, data, samples]);
}

describe('WAV', () => {
  it('16-bit stereo fixture', async () => {
    const [l, r] = await wavChannels(join(FIXTURES, 'wav/stereo16-8k.wav'));
    expect(l!.length).toBe(4000);
    expect(Array.from(l!.subarray(0, 3))).toEqual([838, 7690, 14796]);
    expect(Array.from(r!.subarray(0, 3))).toEqual([839, 7690, 14797]);
    expect([min(l!), max(l!), min(r!), max(r!)]).toEqual([-23102, 23101, -23101, 23101]);
  });

  it('24-bit WAVE_FORMAT_EXTENSIBLE, 3 channels', async () => {
    const chans = await wavChannels(join(FIXTURES, 'wav/3ch24-16k-extensible.wav'));
    expect(chans).toHaveLength(3);
    expect(chans[0]!.length).toBe(1600);
    expect(Array.from(chans[2]!.subarray(0, 3))).toEqual([99136, 999642, 2012569]);
    expect([min(chans[1]!), max(chans[1]!)]).toEqual([-5913968, 5913968]);
  });

  it('8-bit unsigned and 32-bit float', async () => {
    const u8 = join(tmp.dir, 'u8.wav');
    writeFileSync(u8, wav(1, 8, 1, Buffer.from([0, 128, 255])));
    expect(Array.from((await wavChannels(u8))[0]!)).toEqual([-128, 0, 127]);
    const f32 = Buffer.alloc(12);
    [0.5, -1, 0.25].forEach((v, i) => f32.writeFloatLE(v, 4 * i));
    const fl = join(tmp.dir, 'f32.wav');
    writeFileSync(fl, wav(1, 32, 3, f32));
    expect(Array.from((await wavChannels(fl))[0]!)).toEqual([0.5, -1, 0.25]);
  });

  it('refuses compressed WAV and files without data', async () => {
    const adpcm = join(tmp.dir, 'adpcm.wav');
    writeFileSync(adpcm, wav(1, 4, 2, Buffer.alloc(8)));
    await expect(wavChannels(adpcm)).rejects.toThrow(FormatError);
    const empty = join(tmp.dir, 'empty.wav');
    writeFileSync(empty, wav(1, 16, 1, Buffer.alloc(0)));
    await expect(wavChannels(empty)).rejects.toThrow(/no samples/);
  });

  it('reads a long recording as bounded, evenly spaced blocks', async () => {
    const big = join(tmp.dir, 'big.raw');
    writeFileSync(big, Buffer.alloc(WAVEFORM_READ_BUDGET * 2));
    const { buf, frames } = await readFrames(big, 0, 4, WAVEFORM_READ_BUDGET / 2, 'wav');
    expect(buf.length).toBeLessThanOrEqual(WAVEFORM_READ_BUDGET);
    expect(frames * 4).toBe(buf.length);
  });
});

describe('WFDB and EDF', () => {
  it('WFDB format 16 fixture: a sine and a ramp', async () => {
    const [ii, v5] = await wfdbChannels(join(FIXTURES, 'wfdb/ecg2.hea'));
    expect(ii!.length).toBe(500);
    expect(ii![13]).toBe(Math.trunc(200 * Math.sin((2 * Math.PI * 5 * 13) / 250)));
    expect(Array.from(v5!.subarray(98, 102))).toEqual([48, 49, -50, -49]);
  });

  it('WFDB format 212: two 12-bit samples in 3 bytes', async () => {
    const samples = [[-2048, 2047], [0, -1], [100, -100], [1, 2]]; // frames of 2 signals
    const flat = samples.flat();
    const bytes = Buffer.alloc((flat.length / 2) * 3);
    for (let k = 0; k < flat.length; k += 2) {
      const a = flat[k]! & 0xfff;
      const b = flat[k + 1]! & 0xfff;
      bytes.set([a & 0xff, ((a >> 8) & 0x0f) | ((b >> 4) & 0xf0), b & 0xff], (k / 2) * 3);
    }
    writeFileSync(join(tmp.dir, 'r212.dat'), bytes);
    const hea = join(tmp.dir, 'r212.hea');
    writeFileSync(hea, '# a comment\nr212 2 360 4\nr212.dat 212 200 11 1024 0 0 0 MLII\nr212.dat 212 200 11 1024 0 0 0 V1\n');
    const [a, b] = await wfdbChannels(hea);
    expect(Array.from(a!)).toEqual(samples.map((f) => f[0]));
    expect(Array.from(b!)).toEqual(samples.map((f) => f[1]));
  });

  it('WFDB refuses a data file outside the header folder', async () => {
    const hea = join(tmp.dir, 'evil.hea');
    writeFileSync(hea, 'evil 1 250 10\n../../etc/passwd 16 200 16 0 0 0 0 I\n');
    await expect(wfdbChannels(hea)).rejects.toThrow('data file must be in the same folder as the header');
  });

  it('EDF+ fixture: two ECG signals, the annotation signal left out', async () => {
    const chans = await edfChannels(join(FIXTURES, 'edf/ecg3.edf'));
    expect(chans).toHaveLength(2);
    expect(chans[0]!.length).toBe(500);
    for (const [s, i] of [[0, 62], [1, 300], [1, 499]] as const) {
      expect(chans[s]![i]).toBe(Math.trunc(1000 * Math.sin((2 * Math.PI * (s + 1) * i) / 250)));
    }
  });
});

describe('drawWaveform', () => {
  it('draws one band per channel, at most 12', () => {
    const sine = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 20));
    const img = drawWaveform(Array.from({ length: 14 }, () => sine), 100, 120);
    expect(img.length).toBe(100 * 120 * 3);
    // Every band of 10 rows holds trace pixels (dark blue).
    for (let band = 0; band < 12; band++) {
      let ink = 0;
      for (let y = band * 10; y < band * 10 + 10; y++) for (let x = 0; x < 100; x++) if (img[(y * 100 + x) * 3] === 25) ink++;
      expect(ink, `band ${band}`).toBeGreaterThan(50);
    }
  });
});
