// NRRD (teem.sourceforge.net/nrrd/format.html): magic "NRRD000N", then "field: value" lines ('#' comments,
// "key:=value" pairs) up to a blank line; attached data follows it. A detached header (.nhdr) names its
// "data file", which we accept only as a plain name in the header's own folder. Encodings: raw, gzip, ascii.
// The first axis is fastest. A leading non-spatial axis (vectors, colours) is reduced to its first component.
import { stat } from 'node:fs/promises';
import { FormatError, type Limits } from '../types.js';
import { MAX_TEXT_HEADER, numbers, readData, readTextHead } from './data-file.js';
import { checkVolumeDims, MAX_VOLUME_BYTES, rasDirections, readRange, siblingPath, spacing3, toFloat32, SAMPLE_BYTES, type SampleType, type Volume } from './volume.js';

const ID = 'nrrd';

// NRRD "type" field spellings (format.html, "type:").
const TYPES: ReadonlyMap<string, SampleType> = new Map([
  ...['signed char', 'int8', 'int8_t'].map((k) => [k, 'int8'] as const),
  ...['uchar', 'unsigned char', 'uint8', 'uint8_t'].map((k) => [k, 'uint8'] as const),
  ...['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t'].map((k) => [k, 'int16'] as const),
  ...['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t'].map((k) => [k, 'uint16'] as const),
  ...['int', 'signed int', 'int32', 'int32_t'].map((k) => [k, 'int32'] as const),
  ...['uint', 'unsigned int', 'uint32', 'uint32_t'].map((k) => [k, 'uint32'] as const),
  ['float', 'float32'], ['double', 'float64'],
]);
const NON_SPATIAL_KINDS = new Set(['vector', 'covariant-vector', 'normal', 'list', 'point', 'rgb-color', 'hsv-color', 'xyz-color', 'rgba-color',
  '2-vector', '3-vector', '4-vector', '3-color', '4-color', 'complex', 'time', 'scalar']);

function parseHeader(head: Buffer): { fields: Map<string, string>; dataStart: number } {
  if (!/^NRRD000[1-9]/.test(head.toString('latin1', 0, 8))) throw new FormatError(ID, 'no NRRD magic');
  const fields = new Map<string, string>();
  let pos = head.indexOf(0x0a);
  if (pos < 0) throw new FormatError(ID, 'truncated header');
  pos += 1;
  while (pos < head.length) {
    let nl = head.indexOf(0x0a, pos);
    const atEnd = nl < 0;
    if (atEnd) nl = head.length;
    const line = head.toString('latin1', pos, nl).replace(/\r$/, '');
    pos = nl + 1;
    if (line === '') return { fields, dataStart: pos };
    if (line.startsWith('#') || line.includes(':=')) continue;
    const colon = line.indexOf(': ');
    if (colon < 0) throw new FormatError(ID, 'invalid header line');
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 2).trim());
    if (atEnd) break;
  }
  // A detached header may simply end at the end of the file.
  if (head.length >= MAX_TEXT_HEADER) throw new FormatError(ID, 'header too long');
  return { fields, dataStart: head.length };
}

/** Lengths of the "space directions" vectors; NaN for "none". */
function directionNorms(value: string): number[] {
  return value.trim().split(/\s+/).map((v) => {
    if (v === 'none') return NaN;
    const n = numbers(v.replace(/[()]/g, ''));
    return Math.hypot(...n);
  });
}

export async function decodeNrrd(path: string, limits: Limits): Promise<Volume> {
  const { head } = await readTextHead(path);
  const { fields, dataStart } = parseHeader(head);
  const f = (k: string) => fields.get(k);
  const type = TYPES.get((f('type') ?? '').toLowerCase());
  if (!type) throw new FormatError(ID, `type ${f('type') ?? '(none)'} cannot be previewed`);
  const dimension = Number(f('dimension'));
  const sizes = numbers(f('sizes'));
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16 || sizes.length !== dimension) throw new FormatError(ID, 'invalid dimension or sizes');
  if (sizes.some((d) => !Number.isSafeInteger(d) || d < 1 || d > limits.maxAxis)) throw new FormatError(ID, `invalid dimensions ${sizes.join('x')}`);
  const kinds = (f('kinds') ?? '').toLowerCase().split(/\s+/);
  const dirs = f('space directions') ? directionNorms(f('space directions')!) : [];
  const spacings = numbers(f('spacings'));
  // One leading non-spatial axis (a vector or colour per voxel): keep component 0 of each voxel.
  const leadAxis = dimension > 1 && (NON_SPATIAL_KINDS.has(kinds[0] ?? '') || (dirs.length === dimension && Number.isNaN(dirs[0])));
  const lead = leadAxis ? sizes[0]! : 1;
  const first = leadAxis ? 1 : 0;
  const axes = sizes.slice(first);
  // "space directions" give each spatial axis a vector whose length is the spacing; else "spacings".
  const axisSpacing = (dirs.length ? dirs : spacings).slice(first);
  const dims: [number, number, number] = [axes[0]!, axes[1] ?? 1, axes[2] ?? 1];
  const count = checkVolumeDims(ID, dims, limits);
  if (count * lead * 4 > 2 * MAX_VOLUME_BYTES) throw new FormatError(ID, 'volume exceeds the preview budget');
  const values = count * lead;
  const bytes = values * SAMPLE_BYTES[type];
  const le = (f('endian') ?? 'little') !== 'big';
  const dataFile = f('data file') ?? f('datafile');
  if (dataFile && (/^LIST/.test(dataFile) || /\s|%/.test(dataFile))) throw new FormatError(ID, 'multi-file NRRD data cannot be previewed');
  const source = dataFile ? siblingPath(path, dataFile, ID) : path;
  const encoding = (f('encoding') ?? '').toLowerCase();
  const byteSkip = Number(f('byte skip') ?? 0);
  const lineSkip = Number(f('line skip') ?? 0);
  if (!Number.isInteger(byteSkip) || byteSkip < -1 || !Number.isInteger(lineSkip) || lineSkip < 0 || lineSkip > 4096) throw new FormatError(ID, 'invalid byte or line skip');
  const start = dataFile ? await skipLines(source, lineSkip) : dataStart;
  let flat: Float32Array;
  if (encoding === 'raw') {
    const raw = await readData({ path: source, offset: byteSkip === -1 ? -1 : start + byteSkip, bytes, encoding: 'raw' }, limits, ID);
    flat = toFloat32(raw, 0, values, type, le, 1, 0, ID);
  } else if (encoding === 'gzip' || encoding === 'gz') {
    if (byteSkip === -1) throw new FormatError(ID, 'byte skip -1 needs raw encoding');
    const raw = await readData({ path: source, offset: start, bytes, encoding: 'gzip', skip: byteSkip }, limits, ID);
    flat = toFloat32(raw, 0, values, type, le, 1, 0, ID);
  } else if (encoding === 'ascii' || encoding === 'text' || encoding === 'txt') {
    flat = await readAscii(source, start, values, limits);
  } else {
    throw new FormatError(ID, `encoding ${encoding || '(none)'} cannot be previewed`);
  }
  const data = lead > 1 ? flat.filter((_, i) => i % lead === 0) : flat;
  const volume: Volume = { dims, spacing: spacing3([axisSpacing[0], axisSpacing[1], axisSpacing[2]]), data };
  // An anatomical "space" and one direction vector per spatial axis ("none" for the non-spatial one).
  const space = (f('space') ?? '').trim();
  const vectors = [...(f('space directions') ?? '').matchAll(/\(([^)]*)\)|none/g)].slice(first).map((v) => numbers(v[1] ?? ''));
  const ras = space && axes.length === 3 ? rasDirections(vectors, space) : undefined;
  if (ras) Object.assign(volume, { rasDirections: ras, orientationFrom: `the NRRD space directions (space ${space})` });
  return volume;
}

/** Offset after `lines` newlines at the start of a detached data file (NRRD "line skip"). */
async function skipLines(path: string, lines: number): Promise<number> {
  if (lines === 0) return 0;
  const { head } = await readTextHead(path);
  let pos = 0;
  for (let i = 0; i < lines; i++) {
    const nl = head.indexOf(0x0a, pos);
    if (nl < 0) throw new FormatError(ID, 'line skip runs past the data');
    pos = nl + 1;
  }
  return pos;
}

async function readAscii(path: string, start: number, values: number, limits: Limits): Promise<Float32Array> {
  // A number takes at least 2 characters with its separator; allow 32 on average.
  const { size } = await stat(path);
  const length = Math.min(size - start, values * 32, limits.maxReadBytes);
  if (length < 0) throw new FormatError(ID, 'truncated voxel data');
  const text = (await readRange(path, start, length, ID, 'voxel data')).toString('latin1');
  const out = new Float32Array(values);
  const re = /[-+0-9.eEnaNifINF]+/g;
  let i = 0;
  for (let m = re.exec(text); m && i < values; m = re.exec(text)) out[i++] = Number(m[0]);
  if (i < values) throw new FormatError(ID, 'truncated voxel data');
  return out;
}
