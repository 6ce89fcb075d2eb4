import type { FileMeta } from './file-meta.js';

export interface SliceRef {
  id: number;
  path: string;
  meta: FileMeta;
}

/**
 * Orders the slices of one DICOM series: by position along the slice normal
 * (the axis on which ImagePositionPatient varies most), else InstanceNumber, else path.
 */
export function orderSlices(slices: SliceRef[]): SliceRef[] {
  const pos = slices.map((s) => s.meta.dicom?.ImagePositionPatient);
  let axis = -1;
  if (pos.every((p) => p && p.length === 3)) {
    const spread = [0, 1, 2].map((a) => Math.max(...pos.map((p) => p![a]!)) - Math.min(...pos.map((p) => p![a]!)));
    axis = spread.indexOf(Math.max(...spread));
    if (spread[axis] === 0) axis = -1;
  }
  return [...slices].sort((a, b) => {
    if (axis >= 0) return a.meta.dicom!.ImagePositionPatient![axis]! - b.meta.dicom!.ImagePositionPatient![axis]!;
    const ia = a.meta.dicom?.InstanceNumber;
    const ib = b.meta.dicom?.InstanceNumber;
    if (ia !== undefined && ib !== undefined && ia !== ib) return ia - ib;
    return a.path.localeCompare(b.path);
  });
}
