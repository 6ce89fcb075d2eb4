/**
 * Per-file metadata read from a file's header by a format handler (src/formats/).
 * Types only: the domain layer does no I/O.
 */

export type FileKind = 'image' | 'volume' | 'series-slice' | 'signal' | 'audio' | 'video' | 'table' | 'other';

/**
 * The DICOM tags MedImg keeps. This is an allow-list: the parser decodes these tags and no others,
 * so patient-identifying attributes (PatientName, PatientID, PatientBirthDate, addresses, institution,
 * physicians, study dates...) never reach a FileMeta, even from a file that was not de-identified.
 */
export interface DicomTags {
  Modality?: string;
  BodyPartExamined?: string;
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  InstanceNumber?: number;
  ImagePositionPatient?: number[];
  /** As stored: row spacing, then column spacing (PS3.3 C.7.6.2.1.1 Pixel Spacing), in mm. */
  PixelSpacing?: number[];
  SliceThickness?: number;
  Rows?: number;
  Columns?: number;
  Manufacturer?: string;
  TransferSyntaxUID?: string;
  NumberOfFrames?: number;
}

export const DICOM_TAG_NAMES = [
  'Modality', 'BodyPartExamined', 'StudyInstanceUID', 'SeriesInstanceUID', 'InstanceNumber', 'ImagePositionPatient',
  'PixelSpacing', 'SliceThickness', 'Rows', 'Columns', 'Manufacturer', 'TransferSyntaxUID', 'NumberOfFrames',
] as const satisfies readonly (keyof DicomTags)[];

export interface FileMeta {
  kind: FileKind;
  /** Stable format id, e.g. 'dicom', 'nifti', 'png', 'wfdb-data'; 'file' when the format is unknown. */
  format: string;
  width?: number;
  height?: number;
  /** Slices of a volume. */
  depth?: number;
  /** Frames of a video, pages of a TIFF, frames of an animated GIF or multi-frame DICOM, time points of a 4D NIfTI. */
  frames?: number;
  channels?: number;
  /** Bits per sample of one channel. */
  bitDepth?: number;
  /** Physical size of one voxel along width, height, depth (mm for medical volumes). */
  spacing?: number[];
  durationSec?: number;
  /** Samples per second of one channel (signals, audio). */
  sampleRate?: number;
  leads?: number;
  leadNames?: string[];
  dicom?: DicomTags;
}
