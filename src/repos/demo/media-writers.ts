// Byte encoders for the demo mirror's files: NIfTI-1, PNG (8/16-bit grey), WAV, WFDB, and an MJPEG AVI.
// Each follows the cited specification closely enough that independent readers accept it (tested with
// nibabel, Python's wave module, dcmtk/h5py/scipy where relevant, and the project's own readers).
import { crc32, gzipSync, deflateSync } from 'node:zlib';

// --- NIfTI-1 (nifti1.h): 348-byte header, 4-byte extension flag, voxels at 352. ---

export interface NiftiVolume {
  dims: [number, number, number];
  spacing: [number, number, number];
  data: Int16Array | Uint8Array;
  /**
   * World (RAS, mm) coordinates of voxel (0,0,0) and the sign of each axis in RAS: a volume stored in DICOM's
   * LPS order has signs [-1, -1, 1].
   */
  origin: [number, number, number];
  signs: [1 | -1, 1 | -1, 1 | -1];
  description: string;
  /** nifti1.h NIFTI_INTENT_LABEL (1002) for a segmentation. */
  intent?: number;
}

export function niftiGz(v: NiftiVolume): Buffer {
  const int16 = v.data instanceof Int16Array;
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  h.writeInt16LE(3, 40);
  [v.dims[0], v.dims[1], v.dims[2], 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 42 + 2 * i));
  h.writeInt16LE(v.intent ?? 0, 68);
  h.writeInt16LE(int16 ? 4 : 2, 70); // DT_INT16 / DT_UINT8
  h.writeInt16LE(int16 ? 16 : 8, 72);
  h.writeFloatLE(1, 76); // qfac
  v.spacing.forEach((s, i) => h.writeFloatLE(s, 80 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(1, 112); // scl_slope
  h.writeFloatLE(0, 116);
  h.writeUInt8(10, 123); // xyzt_units: NIFTI_UNITS_MM | NIFTI_UNITS_SEC
  h.write(v.description.slice(0, 79), 148, 'latin1');
  h.writeInt16LE(1, 252); // qform_code NIFTI_XFORM_SCANNER_ANAT
  h.writeInt16LE(1, 254); // sform_code
  // Quaternion of diag(signs) with qfac = 1: signs [-1,-1,1] is a 180° turn about z (b = c = 0, d = 1).
  const [sx, sy, sz] = v.signs;
  const quat = sx === -1 && sy === -1 && sz === 1 ? [0, 0, 1] : sx === 1 && sy === 1 && sz === 1 ? [0, 0, 0] : undefined;
  if (!quat) throw new Error('niftiGz: only identity and LPS-ordered volumes are written');
  quat.forEach((q, i) => h.writeFloatLE(q, 256 + 4 * i));
  v.origin.forEach((o, i) => h.writeFloatLE(o, 268 + 4 * i));
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) h.writeFloatLE(r === c ? v.signs[r]! * v.spacing[r]! : 0, 280 + 16 * r + 4 * c);
    h.writeFloatLE(v.origin[r]!, 280 + 16 * r + 12);
  }
  h.write('n+1\0', 344, 'latin1');
  const body = Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  // Typed arrays are little endian on every platform Node runs on that we support (x64, arm64).
  return gzipSync(Buffer.concat([h, body]), { level: 6 });
}

// --- PNG (ISO/IEC 15948): IHDR, one IDAT, IEND; filter type 0 on every row. ---

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A greyscale PNG: 8-bit from a Uint8Array, 16-bit (big endian samples) from a Uint16Array. */
export function pngGrey(width: number, height: number, data: Uint8Array | Uint16Array): Buffer {
  const bytes = data instanceof Uint16Array ? 2 : 1;
  const raw = Buffer.alloc(height * (1 + width * bytes));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * bytes);
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x]!;
      if (bytes === 2) raw.writeUInt16BE(v, row + 1 + 2 * x);
      else raw[row + 1 + x] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bytes * 8;
  ihdr[9] = 0; // greyscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// --- WAV (RIFF WAVE, PCM): 16-bit mono. ---

export function wav16(samples: Float64Array, sampleRate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((v, i) => data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32767), 2 * i));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

// --- WFDB (PhysioNet header(5) and signal(5)): format 16, all signals interleaved in one .dat. ---

export function wfdbRecord(record: string, leads: readonly string[], mv: Float64Array[], fs: number, comments: string[]): { hea: string; dat: Buffer } {
  const n = mv[0]!.length;
  const gain = 1000; // adu/mV: 1 µV resolution
  const dat = Buffer.alloc(n * leads.length * 2);
  const adu = mv.map((l) => Int16Array.from(l, (v) => Math.max(-32767, Math.min(32767, Math.round(v * gain)))));
  for (let s = 0; s < n; s++) for (let k = 0; k < leads.length; k++) dat.writeInt16LE(adu[k]![s]!, 2 * (s * leads.length + k));
  const lines = [`${record} ${leads.length} ${fs} ${n}`];
  leads.forEach((name, k) => {
    // header(5): checksum = 16-bit sum of all samples of the signal, as a signed 16-bit number.
    let sum = 0;
    for (const v of adu[k]!) sum = (sum + v) & 0xffff;
    const checksum = sum >= 0x8000 ? sum - 0x10000 : sum;
    lines.push(`${record}.dat 16 ${gain}(0)/mV 16 0 ${adu[k]![0]} ${checksum} 0 ${name}`);
  });
  return { hea: `${[...lines, ...comments.map((c) => `# ${c}`)].join('\n')}\n`, dat };
}

// --- AVI (Microsoft "AVI RIFF File Reference") with Motion-JPEG frames ('MJPG'), and an idx1 index. ---

export function mjpegAvi(frames: Buffer[], width: number, height: number, fps: number): Buffer {
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0, 0); return b; };
  const ck = (id: string, data: Buffer) => Buffer.concat([Buffer.from(id, 'latin1'), u32(data.length), data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  const list = (type: string, ...children: Buffer[]) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), ...children]);
    return Buffer.concat([Buffer.from('LIST', 'latin1'), u32(body.length), body]);
  };
  const maxFrame = Math.max(...frames.map((f) => f.length));
  const avih = Buffer.alloc(56);
  avih.writeUInt32LE(Math.round(1e6 / fps), 0); // dwMicroSecPerFrame
  avih.writeUInt32LE(maxFrame * fps, 4); // dwMaxBytesPerSec
  avih.writeUInt32LE(0x10, 12); // dwFlags: AVIF_HASINDEX
  avih.writeUInt32LE(frames.length, 16); // dwTotalFrames
  avih.writeUInt32LE(1, 24); // dwStreams
  avih.writeUInt32LE(maxFrame, 28); // dwSuggestedBufferSize
  avih.writeUInt32LE(width, 32);
  avih.writeUInt32LE(height, 36);
  const strh = Buffer.alloc(56);
  strh.write('vids', 0, 'latin1');
  strh.write('MJPG', 4, 'latin1');
  strh.writeUInt32LE(1, 20); // dwScale
  strh.writeUInt32LE(fps, 24); // dwRate
  strh.writeUInt32LE(frames.length, 32); // dwLength
  strh.writeUInt32LE(maxFrame, 36);
  strh.writeInt32LE(-1, 40); // dwQuality
  strh.writeUInt16LE(width, 52);
  strh.writeUInt16LE(height, 54);
  const strf = Buffer.alloc(40); // BITMAPINFOHEADER
  strf.writeUInt32LE(40, 0);
  strf.writeInt32LE(width, 4);
  strf.writeInt32LE(height, 8);
  strf.writeUInt16LE(1, 12);
  strf.writeUInt16LE(24, 14);
  strf.write('MJPG', 16, 'latin1');
  strf.writeUInt32LE(width * height * 3, 20);
  const hdrl = list('hdrl', ck('avih', avih), list('strl', ck('strh', strh), ck('strf', strf)));
  const chunks = frames.map((f) => ck('00dc', f));
  const movi = list('movi', ...chunks);
  // idx1 offsets are relative to the 'movi' fourcc.
  const idx = Buffer.alloc(16 * frames.length);
  let offset = 4;
  chunks.forEach((c, i) => {
    idx.write('00dc', 16 * i, 'latin1');
    idx.writeUInt32LE(0x10, 16 * i + 4); // AVIIF_KEYFRAME
    idx.writeUInt32LE(offset, 16 * i + 8);
    idx.writeUInt32LE(frames[i]!.length, 16 * i + 12);
    offset += c.length;
  });
  const body = Buffer.concat([Buffer.from('AVI ', 'latin1'), hdrl, movi, ck('idx1', idx)]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32(body.length), body]);
}
