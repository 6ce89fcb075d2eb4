// HDF5 arrays (HDF5 File Format Specification Version 3.0) for previews: the first 2D or 3D numeric dataset of
// the root group of a file with "old-style" groups, which is what the HDF5 library, h5py and MATLAB -v7.3
// write by default: superblock version 0 or 1 (§II.A), the root group's symbol table (§III.A.1 v1 B-tree of
// type 0, §III.B symbol table nodes, §III.D local heap), version 1 object headers (§IV.A.1.a) with
// continuation blocks. A dataset is read when its layout is contiguous or compact (§IV.A.2.i, version 3 or 4)
// and its type is fixed-point (8, 16, 32 bit) or IEEE float (32, 64 bit). Chunked or filtered datasets,
// superblocks 2 and 3 and new-style groups are refused with a FormatError that says so.
// C order: the last dimension varies fastest, so shape (z, y, x) becomes Volume dims [x, y, z].
import { open } from 'node:fs/promises';
import { FormatError, type Limits } from '../types.js';
import { checkVolumeDims, MAX_VOLUME_BYTES, toFloat32, type SampleType, type Volume } from './volume.js';

const ID = 'hdf5';
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const UNDEF = 0xffffffffffffffffn;
const MAX_NODES = 4096;
const MAX_DATASETS = 256;
const MAX_HEAP = 4 * 2 ** 20;

export interface Hdf5Dataset {
  name: string;
  /** C-order shape. */
  shape: number[];
  type: SampleType;
  le: boolean;
  /** Absolute file offset of the raw data (contiguous), or the bytes themselves (compact). */
  data: { offset: number; bytes: number } | Buffer;
}

type Read = (offset: number, length: number) => Promise<Buffer>;

const fail = (why: string): never => { throw new FormatError(ID, why); };

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v === UNDEF) return -1;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('address out of range');
  return Number(v);
}

interface Message { type: number; data: Buffer }

/** Messages of a version 1 object header, following continuation blocks (§IV.A.1.a, message 0x0010). */
async function objectHeader(read: Read, at: number): Promise<Message[]> {
  const prefix = await read(at, 16);
  if (prefix[0] !== 1) fail(prefix.toString('latin1', 0, 4) === 'OHDR' ? 'version 2 object headers are not supported for preview' : 'invalid object header');
  const count = prefix.readUInt16LE(2);
  const blocks: [number, number][] = [[at + 16, prefix.readUInt32LE(8)]];
  const messages: Message[] = [];
  for (let b = 0; b < blocks.length && b < 64; b++) {
    const [start, length] = blocks[b]!;
    if (length > 1 << 20) fail('object header too large');
    const buf = await read(start, length);
    for (let p = 0; p + 8 <= buf.length && messages.length < count + 64; ) {
      const type = buf.readUInt16LE(p);
      const size = buf.readUInt16LE(p + 2);
      if (p + 8 + size > buf.length) fail('truncated object header message');
      const data = buf.subarray(p + 8, p + 8 + size);
      if (type === 0x0010) blocks.push([u64(data, 0), u64(data, 8)]);
      else messages.push({ type, data });
      p += 8 + size;
    }
  }
  return messages;
}

function datatype(d: Buffer): { type: SampleType; le: boolean } | undefined {
  const cls = d[0]! & 0x0f;
  const bits = d[1]!;
  const size = d.readUInt32LE(4);
  const le = (bits & 1) === 0;
  if (cls === 0) {
    const signed = (bits & 0x08) !== 0;
    const t = ({ 1: signed ? 'int8' : 'uint8', 2: signed ? 'int16' : 'uint16', 4: signed ? 'int32' : 'uint32' } as Record<number, SampleType>)[size];
    return t ? { type: t, le } : undefined;
  }
  if (cls === 1 && (size === 4 || size === 8)) return { type: size === 4 ? 'float32' : 'float64', le };
  return undefined;
}

function dataspace(d: Buffer): number[] {
  const version = d[0]!;
  const rank = d[1]!;
  const at = version === 1 ? 8 : version === 2 ? 4 : fail(`dataspace version ${version}`);
  if (rank > 32 || at + 8 * rank > d.length) fail('invalid dataspace');
  return Array.from({ length: rank }, (_, i) => u64(d, at + 8 * i));
}

async function dataset(read: Read, name: string, address: number): Promise<Hdf5Dataset | undefined> {
  const messages = await objectHeader(read, address);
  const find = (t: number) => messages.find((m) => m.type === t)?.data;
  const space = find(0x0001);
  const type = find(0x0003);
  const layout = find(0x0008);
  if (!space || !type || !layout) return undefined; // a group or a named datatype
  const shape = dataspace(space);
  const dt = datatype(type);
  if (!dt || shape.length < 2 || shape.length > 3) return undefined;
  const version = layout[0]!;
  if (version !== 3 && version !== 4) fail(`data layout version ${version} is not supported for preview`);
  const cls = layout[1]!;
  if (cls === 0) {
    const size = layout.readUInt16LE(2);
    return { name, shape, ...dt, data: layout.subarray(4, 4 + size) };
  }
  if (cls === 1) return { name, shape, ...dt, data: { offset: u64(layout, 2), bytes: u64(layout, 10) } };
  return fail(`dataset "${name}" is chunked${find(0x000b) ? ' and compressed' : ''}: not supported for preview`);
}

/** The first 2D/3D numeric dataset of the root group, in the group's (name) order. */
export async function firstDataset(read: Read, fileSize: number): Promise<Hdf5Dataset> {
  let base = -1;
  for (let at = 0; at + 8 <= fileSize && at <= 2 ** 30; at = at === 0 ? 512 : at * 2) {
    if ((await read(at, 8)).equals(SIGNATURE)) { base = at; break; }
  }
  if (base < 0) fail('no HDF5 superblock signature');
  const sb = await read(base, Math.min(100, fileSize - base));
  const version = sb[8]!;
  if (version > 1) fail(`superblock version ${version} (new-style groups) is not supported for preview`);
  if (sb[13] !== 8 || sb[14] !== 8) fail('only 8-byte offsets and lengths are supported for preview');
  // Addresses are relative to the superblock (the HDF5 library takes the signature's offset as the base
  // address when the stored one differs, e.g. after a user block such as MATLAB v7.3's 512 bytes).
  const at = (a: number) => (a < 0 ? fail('undefined address') : base + a);
  const rootEntry = version === 0 ? 56 : 60;
  const readAt: Read = (o, l) => read(at(o), l);
  const root = await objectHeader(readAt, u64(sb, rootEntry + 8));
  const table = root.find((m) => m.type === 0x0011)?.data ?? fail('the root group has no symbol table (new-style group)');
  const btree = u64(table, 0);
  const heapHeader = await readAt(u64(table, 8), 32);
  if (heapHeader.toString('latin1', 0, 4) !== 'HEAP') fail('invalid local heap');
  const heapSize = u64(heapHeader, 8);
  if (heapSize > MAX_HEAP) fail('local heap too large');
  const heap = await readAt(u64(heapHeader, 24), heapSize);
  const nameAt = (o: number) => {
    const end = heap.indexOf(0, o);
    return heap.toString('utf8', o, end < 0 ? heap.length : end);
  };
  // Walk the B-tree to its leaves (symbol table nodes), bounded.
  const entries: { name: string; header: number }[] = [];
  const stack = [btree];
  for (let n = 0; stack.length && n < MAX_NODES; n++) {
    const node = stack.shift()!;
    const h = await readAt(node, 24);
    if (h.toString('latin1', 0, 4) === 'SNOD') {
      const count = h.readUInt16LE(6);
      const body = await readAt(node + 8, 40 * count);
      for (let i = 0; i < count; i++) entries.push({ name: nameAt(u64(body, 40 * i)), header: u64(body, 40 * i + 8) });
      continue;
    }
    if (h.toString('latin1', 0, 4) !== 'TREE' || h[4] !== 0) fail('invalid group B-tree');
    const used = h.readUInt16LE(6);
    const keys = await readAt(node + 24, 8 + used * 16);
    for (let i = 0; i < used; i++) stack.push(u64(keys, 8 + 16 * i));
  }
  for (const e of entries.slice(0, MAX_DATASETS)) {
    const d = await dataset(readAt, e.name, e.header);
    if (d) {
      if (!Buffer.isBuffer(d.data)) d.data.offset = at(d.data.offset);
      return d;
    }
  }
  return fail('no 2D or 3D numeric dataset in the root group');
}

async function fileReader(path: string): Promise<{ read: Read; size: number; close: () => Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  const read: Read = async (offset, length) => {
    if (offset < 0 || length < 0 || offset + length > size) fail('truncated file');
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) fail('truncated file');
      got += bytesRead;
    }
    return buf;
  };
  return { read, size, close: () => fh.close() };
}

/** Shape and type of the dataset a preview would show (for the index), without reading its values. */
export async function hdf5Shape(path: string): Promise<Hdf5Dataset> {
  const f = await fileReader(path);
  try {
    return await firstDataset(f.read, f.size);
  } finally {
    await f.close();
  }
}

export async function decodeHdf5(path: string, limits: Limits): Promise<Volume> {
  const f = await fileReader(path);
  try {
    const d = await firstDataset(f.read, f.size);
    const [z, y, x] = d.shape.length === 3 ? d.shape as [number, number, number] : [1, ...d.shape] as [number, number, number];
    const count = checkVolumeDims(ID, [x, y, z], limits);
    const bytes = count * { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 }[d.type];
    let raw: Buffer;
    if (Buffer.isBuffer(d.data)) raw = d.data;
    else {
      if (d.data.offset < 0) fail(`dataset "${d.name}" has no data written`);
      if (d.data.bytes < bytes || bytes > MAX_VOLUME_BYTES * 2) fail('invalid data size');
      raw = await f.read(d.data.offset, bytes);
    }
    return { dims: [x, y, z], spacing: [1, 1, 1], data: toFloat32(raw, 0, count, d.type, d.le, 1, 0, ID) };
  } finally {
    await f.close();
  }
}
