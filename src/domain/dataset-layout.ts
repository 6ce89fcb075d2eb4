// Conventions that public datasets use to encode labels, splits and masks in
// their folder layout. Pure functions over relative POSIX paths.

const SPLITS: Record<string, string> = {
  train: 'train', training: 'train', tr: 'train',
  val: 'val', valid: 'val', validation: 'val', dev: 'val',
  test: 'test', testing: 'test', ts: 'test',
};
const MASK_DIRS = new Set(['masks', 'mask', 'labels', 'label', 'labelstr', 'labelsts', 'segmentations', 'segmentation', 'ground_truth', 'groundtruth', 'gt']);
const IMAGE_DIRS = new Set(['images', 'image', 'imgs', 'imagestr', 'imagests', 'scans', 'volumes']);
const MASK_SUFFIX = /[_-](mask|seg|segmentation|label|labels|gt)$/i;
// nnU-Net names image channels case_0000.nii.gz; the label is case.nii.gz.
const NNUNET_CHANNEL = /_\d{4}$/;

export type LabelSource = { kind: 'none' } | { kind: 'folders' } | { kind: 'csv'; file: string; pathColumn: string; labelColumn: string };

const splitOf = (seg: string) => SPLITS[seg.toLowerCase()] ?? SPLITS[seg.toLowerCase().replace(/^(images|labels)/, '')];

export function splitFromPath(path: string): string | null {
  for (const seg of path.split('/').slice(0, -1)) {
    const s = splitOf(seg);
    if (s) return s;
  }
  return null;
}

/**
 * ImageFolder convention: the class is the folder right under the split folder
 * (train/NORMAL/x.png), or, without a split folder, the file's own folder.
 * Folders that name a role (images, masks) are not classes.
 */
export function labelFromFolders(path: string): string | null {
  const dirs = path.split('/').slice(0, -1);
  const splitAt = dirs.findIndex((d) => SPLITS[d.toLowerCase()] !== undefined);
  const candidates = splitAt >= 0 ? dirs.slice(splitAt + 1) : dirs.slice(-1);
  const label = candidates.find((d) => !IMAGE_DIRS.has(d.toLowerCase()) && !MASK_DIRS.has(d.toLowerCase()));
  return label ?? null;
}

const stemOf = (name: string) => name.replace(/(\.nii\.gz|\.[^./]+)$/i, '');
const extOf = (name: string) => name.slice(stemOf(name).length).toLowerCase();

export function isMaskPath(path: string): boolean {
  const parts = path.split('/');
  const name = parts.pop()!;
  return parts.some((d) => MASK_DIRS.has(d.toLowerCase())) || MASK_SUFFIX.test(stemOf(name));
}

/** Key under which an image and its mask meet: folders with role names unified, suffixes removed. */
function pairKey(path: string, mask: boolean): string {
  const parts = path.split('/');
  const name = parts.pop()!;
  const dirs = parts.map((d) => (MASK_DIRS.has(d.toLowerCase()) || IMAGE_DIRS.has(d.toLowerCase()) ? '*' : d));
  const stem = mask ? stemOf(name).replace(MASK_SUFFIX, '') : stemOf(name).replace(NNUNET_CHANNEL, '');
  return `${dirs.join('/')}/${stem}`;
}

/**
 * Pairs segmentation masks with their images (images/ + masks/ or labels/ folders,
 * _mask/_seg/_label suffixes, nnU-Net imagesTr/labelsTr). Returns mask path -> image path.
 * An ambiguous key (two images) pairs with the one of the same extension, else none.
 */
export function pairMasks(paths: string[]): Map<string, string> {
  const images = new Map<string, string[]>();
  const masks: string[] = [];
  for (const p of paths) {
    if (isMaskPath(p)) masks.push(p);
    else {
      const key = pairKey(p, false);
      images.set(key, [...(images.get(key) ?? []), p]);
    }
  }
  const pairs = new Map<string, string>();
  for (const m of masks) {
    const candidates = images.get(pairKey(m, true)) ?? [];
    const chosen = candidates.length === 1 ? candidates[0] : candidates.find((c) => extOf(c) === extOf(m));
    if (chosen) pairs.set(m, chosen);
  }
  return pairs;
}

/** `folders` or `csv:<file>:<path-column>:<label-column>`; throws a message naming what is wrong. */
export function parseLabelSource(spec: string | undefined): LabelSource {
  if (!spec) return { kind: 'none' };
  if (spec === 'folders') return { kind: 'folders' };
  const m = /^csv:([^:]+):([^:]+):([^:]+)$/.exec(spec);
  if (!m) throw new Error(`--labels must be "folders" or "csv:<file>:<path-column>:<label-column>", got "${spec}"`);
  return { kind: 'csv', file: m[1]!, pathColumn: m[2]!, labelColumn: m[3]! };
}
