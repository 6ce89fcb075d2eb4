// Pixel decoding and rendering for previews: decodeVolume (every volume format to one Float32 Volume),
// sliceImage (a windowed 8-bit plane of it) and the CT window presets.
import type { FileMeta } from '../../domain/file-meta.js';
import { DEFAULT_LIMITS, FormatError, type Limits } from '../types.js';
import { decodeDicom } from './dicom.js';
import { decodeHdf5 } from './hdf5.js';
import { decodeMat } from './mat.js';
import { decodeMetaImage } from './metaimage.js';
import { decodeNifti } from './nifti.js';
import { decodeNrrd } from './nrrd.js';
import type { Volume } from './volume.js';

export { MAX_VOLUME_BYTES, type Volume } from './volume.js';
export { CT_PRESETS, defaultWindow, sliceCount, sliceImage, type Plane, type SliceImage, type Window } from './slice.js';

const DECODERS: Readonly<Record<string, (path: string, limits: Limits) => Promise<Volume>>> = {
  nifti: decodeNifti,
  analyze: decodeNifti,
  metaimage: decodeMetaImage,
  nrrd: decodeNrrd,
  dicom: decodeDicom,
  // Arrays in scientific containers: the first 3D numeric array (MAT v5) or root-group dataset (HDF5).
  mat: decodeMat,
  hdf5: decodeHdf5,
};

/** Formats whose files decodeVolume reads (by FileMeta.format). */
export const VOLUME_FORMATS: readonly string[] = Object.freeze(Object.keys(DECODERS));

/**
 * Decodes the voxels of a NIfTI, Analyze, MetaImage, NRRD or DICOM file (the first 3D volume of a 4D one) to
 * rescaled Float32 values. Throws FormatError for an unsupported encoding, a truncated file, or a volume
 * beyond limits.maxVoxels / limits.maxAxis / MAX_VOLUME_BYTES (checked before allocating).
 */
export async function decodeVolume(path: string, meta: FileMeta, limits: Limits = DEFAULT_LIMITS): Promise<Volume> {
  const decode = DECODERS[meta.format];
  if (!decode) throw new FormatError(meta.format, 'not a volume format');
  return decode(path, limits);
}
