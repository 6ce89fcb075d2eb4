// MetaImage (ITK MetaIO, itk.org/Wiki/ITK/MetaIO/Documentation): "Key = Value" text lines ending with
// ElementDataFile. "LOCAL" means the data follows that line in the same file (.mha); otherwise it names a
// detached .raw / .zraw file (.mhd), which we accept only as a plain name in the header's own folder.
// CompressedData = True means a zlib stream. HeaderSize = -1 means the data ends at the end of the file.
import { FormatError, type Limits } from '../types.js';
import { MAX_TEXT_HEADER, numbers, readData, readTextHead } from './data-file.js';
import { checkVolumeDims, rasDirections, siblingPath, spacing3, toFloat32, SAMPLE_BYTES, type SampleType, type Volume } from './volume.js';

const ID = 'metaimage';

const TYPES: Readonly<Record<string, SampleType>> = {
  MET_UCHAR: 'uint8', MET_CHAR: 'int8', MET_USHORT: 'uint16', MET_SHORT: 'int16',
  MET_UINT: 'uint32', MET_INT: 'int32', MET_FLOAT: 'float32', MET_DOUBLE: 'float64',
};

interface Header { fields: Map<string, string>; dataStart: number }

function parseHeader(head: Buffer): Header {
  const fields = new Map<string, string>();
  let pos = 0;
  while (pos < head.length) {
    let nl = head.indexOf(0x0a, pos);
    if (nl < 0) nl = head.length;
    const line = head.toString('latin1', pos, nl).replace(/\r$/, '');
    pos = nl + 1;
    const eq = line.indexOf('=');
    if (eq < 0) {
      if (line.trim() === '') continue;
      throw new FormatError(ID, 'invalid header line');
    }
    const key = line.slice(0, eq).trim().toLowerCase();
    fields.set(key, line.slice(eq + 1).trim());
    // MetaIO: ElementDataFile is always the last field; LOCAL data starts right after its line.
    if (key === 'elementdatafile') return { fields, dataStart: pos };
  }
  throw new FormatError(ID, head.length >= MAX_TEXT_HEADER ? 'header too long' : 'no ElementDataFile in header');
}

const isTrue = (v: string | undefined) => v !== undefined && /^(true|1)$/i.test(v);

export async function decodeMetaImage(path: string, limits: Limits): Promise<Volume> {
  const { head } = await readTextHead(path);
  const { fields, dataStart } = parseHeader(head);
  const f = (k: string) => fields.get(k.toLowerCase());
  const nd = Number(f('NDims'));
  const size = numbers(f('DimSize'));
  if (!Number.isInteger(nd) || nd < 1 || nd > 4 || size.length < nd) throw new FormatError(ID, 'invalid NDims or DimSize');
  const dims: [number, number, number] = [size[0]!, nd > 1 ? size[1]! : 1, nd > 2 ? size[2]! : 1];
  if (size.slice(0, nd).some((d) => !Number.isSafeInteger(d) || d < 1)) throw new FormatError(ID, `invalid dimensions ${size.join('x')}`);
  const channels = Number(f('ElementNumberOfChannels') ?? 1);
  if (channels !== 1) throw new FormatError(ID, `${channels}-channel images cannot be previewed`);
  const count = checkVolumeDims(ID, dims, limits);
  const type = TYPES[(f('ElementType') ?? '').toUpperCase()];
  if (!type) throw new FormatError(ID, `ElementType ${f('ElementType') ?? '(none)'} cannot be previewed`);
  const bytes = count * SAMPLE_BYTES[type];
  const big = isTrue(f('BinaryDataByteOrderMSB')) || isTrue(f('ElementByteOrderMSB')) || isTrue(f('ByteOrderMSB'));
  const compressed = isTrue(f('CompressedData'));
  const dataFile = f('ElementDataFile')!;
  if (dataFile.toUpperCase() === 'LIST' || /%|\s/.test(dataFile)) throw new FormatError(ID, 'multi-file MetaImage data cannot be previewed');
  const local = dataFile.toUpperCase() === 'LOCAL';
  const headerSize = Number(f('HeaderSize') ?? 0);
  if (!Number.isInteger(headerSize) || headerSize < -1) throw new FormatError(ID, 'invalid HeaderSize');
  const raw = await readData({
    path: local ? path : siblingPath(path, dataFile, ID),
    offset: local ? dataStart : compressed ? 0 : headerSize,
    bytes,
    encoding: compressed ? 'zlib' : 'raw',
  }, limits, ID);
  const data = toFloat32(raw, 0, count, type, !big, 1, 0, ID);
  const sp = numbers(f('ElementSpacing') ?? f('ElementSize'));
  const volume: Volume = { dims, spacing: spacing3([sp[0], nd > 1 ? sp[1] : 1, nd > 2 ? sp[2] : 1]), data };
  if (f('Modality') === 'MET_MOD_CT') volume.modality = 'CT';
  // TransformMatrix (aliases Rotation, Orientation, Direction): NDims x NDims numbers, the direction of voxel
  // axis i in numbers i*NDims .. i*NDims+NDims-1 (ITK MetaImageIO), in LPS world coordinates (ITK convention).
  const m = numbers(f('TransformMatrix') ?? f('Rotation') ?? f('Orientation') ?? f('Direction'));
  if (nd === 3 && m.length === 9) {
    const ras = rasDirections([m.slice(0, 3), m.slice(3, 6), m.slice(6, 9)], 'lps');
    if (ras) Object.assign(volume, { rasDirections: ras, orientationFrom: 'the MetaImage TransformMatrix (LPS, the ITK convention)' });
  }
  return volume;
}
