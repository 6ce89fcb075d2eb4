// Minimal writers of a single 3D array as a MATLAB Level 5 MAT-file and as an HDF5 file, for the demo
// mirror. Both are the plainest valid form of their format, so any reader of the format can open them.

// --- MAT-file Level 5 (MathWorks "MAT-File Format", ch. 1) ---
// 128-byte header (116 bytes of text, 8-byte subsystem offset, version 0x0100, endian indicator 'IM'), then one
// uncompressed miMATRIX element: array flags (mxDOUBLE_CLASS), dimensions, name, real part (miDOUBLE).
// MATLAB arrays are column-major: element (r, c, p) is at r + rows * (c + cols * p).

const MI_INT8 = 1;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_DOUBLE = 9;
const MI_MATRIX = 14;
const MX_DOUBLE_CLASS = 6;

function element(type: number, data: Buffer): Buffer {
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(data.length, 4);
  const pad = (8 - (data.length % 8)) % 8;
  return Buffer.concat([tag, data, Buffer.alloc(pad)]);
}

/**
 * One variable `name` holding `values` (column-major, `dims` = [rows, cols, pages]) as double.
 */
export function mat5(name: string, dims: number[], values: ArrayLike<number>, description: string): Buffer {
  const header = Buffer.alloc(128, ' ');
  header.write(`MATLAB 5.0 MAT-file, ${description}`.slice(0, 116), 0, 'latin1');
  header.fill(0, 116, 124); // no subsystem data
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(MX_DOUBLE_CLASS, 0);
  const dimBuf = Buffer.alloc(4 * dims.length);
  dims.forEach((d, i) => dimBuf.writeInt32LE(d, 4 * i));
  const real = Buffer.alloc(8 * values.length);
  for (let i = 0; i < values.length; i++) real.writeDoubleLE(values[i]!, 8 * i);
  const matrix = Buffer.concat([
    element(MI_UINT32, flags), element(MI_INT32, dimBuf), element(MI_INT8, Buffer.from(name, 'latin1')), element(MI_DOUBLE, real),
  ]);
  return Buffer.concat([header, element(MI_MATRIX, matrix)]);
}

// --- HDF5 (HDF5 File Format Specification Version 3.0) ---
// Superblock version 0 (§II.A), a root group with a symbol table (§III.A v1 B-tree, §III.B symbol table node,
// §III.D local heap), and one dataset whose version 1 object header (§IV.A.1.a) holds a dataspace (v1), a
// datatype (16-bit signed little-endian fixed point), a fill value (v2) and a contiguous data layout (v3)
// message. Offsets and lengths are 8 bytes. Node sizes follow the superblock's K values (leaf K 4,
// internal K 16), because readers read a whole node of that size.

const UNDEF = 0xffffffffffffffffn;
const LEAF_K = 4;
const INTERNAL_K = 16;

class Writer {
  private readonly parts: Buffer[] = [];
  length = 0;
  put(b: Buffer): number {
    const at = this.length;
    this.parts.push(b);
    this.length += b.length;
    return at;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const u8 = (v: number) => Buffer.from([v]);
const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v, 0); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v, 0); return b; };
const u64 = (v: number | bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v), 0); return b; };
const pad8 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((8 - (b.length % 8)) % 8)]);

/** A version 1 object header: 16-byte prefix, then messages (type, size, flags, 3 reserved, data padded to 8). */
function objectHeader(messages: { type: number; data: Buffer; flags?: number }[]): Buffer {
  const body = Buffer.concat(messages.map((m) => {
    const data = pad8(m.data);
    return Buffer.concat([u16(m.type), u16(data.length), u8(m.flags ?? 0), Buffer.alloc(3), data]);
  }));
  return Buffer.concat([u8(1), u8(0), u16(messages.length), u32(1), u32(body.length), Buffer.alloc(4), body]);
}

/** A file with one int16 dataset `/name` of C-order shape `shape` (last axis fastest). */
export function hdf5Int16(name: string, shape: number[], values: Int16Array): Buffer {
  if (values.length !== shape.reduce((a, b) => a * b, 1)) throw new Error('hdf5Int16: shape does not match the values');
  // Layout: superblock 0..96, root object header, local heap header + data, B-tree node, symbol table node,
  // dataset object header, raw data. Addresses are computed from the sizes first.
  const SUPERBLOCK = 96;
  const rootOh = objectHeader([{ type: 0x0011, data: Buffer.alloc(16) }]);
  const nameBytes = pad8(Buffer.from(`${name}\0`, 'latin1'));
  const heapData = Buffer.alloc(8 + nameBytes.length + 72); // "" at 0, the name at 8, then one free block
  const heapHeaderSize = 32;
  const btreeSize = 24 + 2 * INTERNAL_K * 8 + (2 * INTERNAL_K + 1) * 8;
  const snodSize = 8 + 2 * LEAF_K * 40;
  const dataBytes = values.length * 2;
  const datasetOhOf = (dataAddr: number) => objectHeader([
    { type: 0x0001, data: Buffer.concat([u8(1), u8(shape.length), u8(0), u8(0), Buffer.alloc(4), ...shape.map((d) => u64(d))]) },
    // Fixed-point class (0), version 1; bit field: little endian, signed (bit 3); size 2; offset 0, precision 16.
    { type: 0x0003, flags: 1, data: Buffer.concat([u8(0x10), u8(0x08), u8(0), u8(0), u32(2), u16(0), u16(16)]) },
    // Fill value v2: allocation time late (2), write time if set (2), no fill value defined.
    { type: 0x0005, flags: 1, data: Buffer.concat([u8(2), u8(2), u8(2), u8(0)]) },
    { type: 0x0008, data: Buffer.concat([u8(3), u8(1), u64(dataAddr), u64(dataBytes)]) },
  ]);
  const rootOhAt = SUPERBLOCK;
  const heapAt = rootOhAt + rootOh.length;
  const heapDataAt = heapAt + heapHeaderSize;
  const btreeAt = heapDataAt + heapData.length;
  const snodAt = btreeAt + btreeSize;
  const datasetOhAt = snodAt + snodSize;
  const dataAt = datasetOhAt + datasetOhOf(0).length;
  const eof = dataAt + dataBytes;

  const w = new Writer();
  // Superblock v0.
  w.put(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
  w.put(Buffer.from([0, 0, 0, 0, 0, 8, 8, 0]));
  w.put(Buffer.concat([u16(LEAF_K), u16(INTERNAL_K), u32(0)]));
  w.put(Buffer.concat([u64(0), u64(UNDEF), u64(eof), u64(UNDEF)]));
  // Root group symbol table entry: link name offset, object header address, cache type 1 (B-tree + heap).
  w.put(Buffer.concat([u64(0), u64(rootOhAt), u32(1), u32(0), u64(btreeAt), u64(heapAt)]));
  // Root object header: symbol table message (B-tree address, local heap address).
  rootOh.set(Buffer.concat([u64(btreeAt), u64(heapAt)]), 16 + 8);
  w.put(rootOh);
  // Local heap: the free block at the end links to 1 (no next block), as the HDF5 library writes it.
  const freeAt = 8 + nameBytes.length;
  nameBytes.copy(heapData, 8);
  heapData.set(Buffer.concat([u64(1), u64(heapData.length - freeAt)]), freeAt);
  w.put(Buffer.concat([Buffer.from('HEAP', 'latin1'), u8(0), Buffer.alloc(3), u64(heapData.length), u64(freeAt), u64(heapDataAt)]));
  w.put(heapData);
  // v1 B-tree, group node (type 0), leaf (level 0), one entry: key 0 (""), child = the symbol table node,
  // key 8 (the last name in the child).
  const btree = Buffer.alloc(btreeSize);
  Buffer.concat([Buffer.from('TREE', 'latin1'), u8(0), u8(0), u16(1), u64(UNDEF), u64(UNDEF), u64(0), u64(snodAt), u64(8)]).copy(btree);
  w.put(btree);
  // Symbol table node: one entry (link name offset 8, the dataset's object header, cache type 0).
  const snod = Buffer.alloc(snodSize);
  Buffer.concat([Buffer.from('SNOD', 'latin1'), u8(1), u8(0), u16(1), u64(8), u64(datasetOhAt), u32(0), u32(0), Buffer.alloc(16)]).copy(snod);
  w.put(snod);
  w.put(datasetOhOf(dataAt));
  const raw = Buffer.alloc(dataBytes);
  values.forEach((v, i) => raw.writeInt16LE(v, 2 * i));
  w.put(raw);
  if (w.length !== eof) throw new Error('hdf5Int16: layout mismatch');
  return w.bytes();
}
