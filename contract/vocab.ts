import { z } from 'zod';

// Codes follow the MedImg paper's Table 1 and its note on abbreviations.
export const MODALITIES = {
  XR: 'X-ray',
  CT: 'Computed tomography',
  MRI: 'Magnetic resonance imaging',
  PET: 'Positron emission tomography',
  US: 'Ultrasound',
  OCT: 'Optical coherence tomography',
  FP: 'Fundus photography',
  HS: 'Histopathology slide',
  ES: 'Endoscopy',
  SKIN: 'Dermatology photograph',
  ECG: 'Electrocardiography',
  EEG: 'Electroencephalography',
  DEV: 'Device photograph',
  AUDIO: 'Audio recording',
  VIDEO: 'Video',
} as const;

export const ORGANS = {
  lung: 'Lung',
  brain: 'Brain',
  breast: 'Breast',
  eye: 'Eye',
  heart: 'Heart',
  kidney: 'Kidney',
  knee: 'Knee',
  liver: 'Liver',
  prostate: 'Prostate',
  skin: 'Skin',
  teeth: 'Teeth',
  'whole-body': 'Whole body',
  other: 'Other',
} as const;

export const TASKS = {
  classification: 'Classification',
  segmentation: 'Segmentation',
  detection: 'Detection',
  regression: 'Regression',
  registration: 'Registration',
  tracking: 'Tracking',
} as const;

export const DATA_TYPES = {
  image: 'Image',
  series: 'Series (3D volumes)',
  video: 'Video',
  audio: 'Audio',
  signal: 'Signal',
} as const;

export const FILE_COUNT_UNITS = {
  images: 'Images',
  volumes: 'Volumes',
  recordings: 'Recordings',
  videos: 'Videos',
  cases: 'Cases',
} as const;

export const PLATFORMS = {
  kaggle: 'Kaggle',
  'grand-challenge': 'Grand Challenge',
  physionet: 'PhysioNet',
  tcia: 'The Cancer Imaging Archive',
  zenodo: 'Zenodo',
  figshare: 'figshare',
  mendeley: 'Mendeley Data',
  github: 'GitHub',
  huggingface: 'Hugging Face',
  synapse: 'Synapse',
  openneuro: 'OpenNeuro',
  institutional: 'Institutional website',
  other: 'Other',
} as const;

export const COMMERCIAL_USE = {
  yes: 'Commercial use allowed',
  no: 'Non-commercial use only',
  unknown: 'Commercial use unknown',
} as const;

export const UPDATE_METHODS = {
  http: 'HTTP page or file',
  kaggle: 'Kaggle dataset or competition',
  zenodo: 'Zenodo record',
  physionet: 'PhysioNet project',
  github: 'GitHub repository',
  huggingface: 'Hugging Face dataset',
  'grand-challenge': 'Grand Challenge page',
  tcia: 'TCIA collection',
  none: 'No automatic check',
} as const;

type Codes<T> = [keyof T & string, ...(keyof T & string)[]];
const codes = <T extends object>(o: T) => Object.keys(o) as Codes<T>;

export const Modality = z.enum(codes(MODALITIES));
export const Organ = z.enum(codes(ORGANS));
export const Task = z.enum(codes(TASKS));
export const DataType = z.enum(codes(DATA_TYPES));
export const FileCountUnit = z.enum(codes(FILE_COUNT_UNITS));
export const Platform = z.enum(codes(PLATFORMS));
export const CommercialUse = z.enum(codes(COMMERCIAL_USE));
export const UpdateMethod = z.enum(codes(UPDATE_METHODS));

export type Modality = z.infer<typeof Modality>;
export type Organ = z.infer<typeof Organ>;
export type Task = z.infer<typeof Task>;
export type DataType = z.infer<typeof DataType>;
export type Platform = z.infer<typeof Platform>;

export const VOCABULARIES = {
  modality: MODALITIES,
  organ: ORGANS,
  task: TASKS,
  data_type: DATA_TYPES,
  file_count_unit: FILE_COUNT_UNITS,
  platform: PLATFORMS,
  commercial_use: COMMERCIAL_USE,
  update_method: UPDATE_METHODS,
} as const;

export const VocabularyEntry = z.object({ code: z.string(), label: z.string() });
export const VocabulariesResponse = z.record(z.string(), z.array(VocabularyEntry));
export type VocabulariesResponse = z.infer<typeof VocabulariesResponse>;
