// Audio and video containers. Fixtures were written by SoX 14.4 and FFmpeg (test/fixtures/README.md);
// expected values are those printed by `ffprobe -show_entries format=duration:stream=...` and `soxi`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, readFileMeta } from './index.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures');
const fx = (p: string) => join(FIXTURES, p);
const tmp = mkdtempSync(join(tmpdir(), 'medimg-media-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, data: Buffer) => {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
};

describe('audio and video on files written by SoX and FFmpeg', () => {
  it.each([
    ['wav/stereo16-8k.wav', { kind: 'audio', format: 'wav', channels: 2, sampleRate: 8000, bitDepth: 16, durationSec: 0.5 }],
    // SoX writes WAVE_FORMAT_EXTENSIBLE for more than 2 channels or more than 16 bits.
    ['wav/3ch24-16k-extensible.wav', { kind: 'audio', format: 'wav', channels: 3, sampleRate: 16000, bitDepth: 24, durationSec: 0.1 }],
    ['ogg/vorbis-mono-22k.ogg', { kind: 'audio', format: 'ogg', channels: 1, sampleRate: 22050, durationSec: 1 }],
    ['webm/opus-audio.webm', { kind: 'audio', format: 'webm', channels: 1, sampleRate: 48000, durationSec: 0.508 }],
    ['webm/vp8-32x24.webm', { kind: 'video', format: 'webm', width: 32, height: 24, durationSec: 1 }],
    ['mp4/h264-32x24.mp4', { kind: 'video', format: 'mp4', width: 32, height: 24, frames: 5, durationSec: 1 }],
    ['mp4/mpeg4-32x24.mov', { kind: 'video', format: 'mov', width: 32, height: 24, frames: 5, durationSec: 1 }],
    ['mp4/aac-audio.m4a', { kind: 'audio', format: 'mp4', channels: 1, sampleRate: 22050, durationSec: 0.5 }],
    ['avi/mjpeg-32x24.avi', { kind: 'video', format: 'avi', width: 32, height: 24, frames: 5, durationSec: 1 }],
  ])('reads %s', async (file, expected) => {
    expect(await readFileMeta(fx(file))).toEqual(expected);
  });

  it('reads an Opus stream, subtracting the pre-skip (RFC 7845 §4.2)', async () => {
    // ffprobe reports 1.0065 s = 48312 granules / 48 kHz, which includes the 312-sample pre-skip.
    expect(await readFileMeta(fx('ogg/opus-stereo.opus'))).toEqual({ kind: 'audio', format: 'ogg', channels: 2, sampleRate: 48000, durationSec: 1 });
  });
});

describe('audio and video, hostile input', () => {
  it.each([
    ['wav/stereo16-8k.wav', 30],
    ['ogg/vorbis-mono-22k.ogg', 20],
    ['webm/vp8-32x24.webm', 40],
    ['mp4/h264-32x24.mp4', 40],
    ['avi/mjpeg-32x24.avi', 60],
  ])('rejects %s truncated to %i bytes', async (file, length) => {
    const name = file.split('/')[1]!;
    await expect(readFileMeta(write(`cut-${name}`, readFileSync(fx(file)).subarray(0, length)))).rejects.toThrow(FormatError);
  });

  it('does not trust a WAV data size beyond the end of the file', async () => {
    const wav = Buffer.from(readFileSync(fx('wav/stereo16-8k.wav')));
    const at = wav.indexOf('data');
    wav.writeUInt32LE(0xffffffff, at + 4);
    const meta = await readFileMeta(write('streamed.wav', wav));
    expect(meta.durationSec).toBeCloseTo(0.5, 3);
  });

  it('rejects a moov box larger than the read limit without reading it', async () => {
    const box = Buffer.alloc(40);
    box.writeUInt32BE(16, 0);
    box.write('ftypisom', 4, 'latin1');
    box.writeUInt32BE(1, 16);
    box.write('moov', 20, 'latin1');
    box.writeBigUInt64BE(2n ** 40n, 24);
    await expect(readFileMeta(write('huge-moov.mp4', box))).rejects.toThrow(/moov box exceeds the read limit/);
  });

  it('rejects an MP4 whose boxes never reach moov', async () => {
    const box = Buffer.alloc(24);
    box.writeUInt32BE(16, 0);
    box.write('ftypisom', 4, 'latin1');
    box.writeUInt32BE(4, 16); // smaller than a box header
    box.write('free', 20, 'latin1');
    await expect(readFileMeta(write('bad-box.mp4', box))).rejects.toThrow(/invalid box size/);
  });

  it('rejects EBML with an absurd element size or no tracks', async () => {
    const ebml = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]);
    await expect(readFileMeta(write('absurd.webm', ebml))).rejects.toThrow(FormatError);
    const webm = readFileSync(fx('webm/vp8-32x24.webm'));
    const tracks = webm.indexOf(Buffer.from([0x16, 0x54, 0xae, 0x6b]));
    await expect(readFileMeta(write('no-tracks.webm', webm.subarray(0, tracks)))).rejects.toThrow(/no audio or video track/);
  });

  it('rejects random bytes named like media files', async () => {
    const random = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251));
    for (const name of ['x.wav', 'x.ogg', 'x.webm', 'x.mp4', 'x.avi']) await expect(readFileMeta(write(name, random))).rejects.toThrow(FormatError);
  });
});
