import type { FileMeta } from './file-meta.js';

export interface MirrorSummary {
  by_kind: Record<string, number>;
  by_format: Record<string, number>;
  by_label: Record<string, number>;
  by_split: Record<string, number>;
  image_sizes: { size: string; files: number }[];
  spacings: { spacing: string; files: number }[];
  series: { count: number; slices_min: number | null; slices_max: number | null };
  /** Slices per volume (a volume file's depth, or the files of a DICOM series): how many volumes have each count. */
  slice_counts: { slices: number; files: number }[];
}

const top = (m: Map<string, number>, n: number, key: string) =>
  [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n).map(([k, files]) => ({ [key]: k, files }));

/** Per-dataset distributions from the index (issue 4: "what is recorded per dataset"). */
export function summarise(files: { kind: string; meta: FileMeta | null; series_uid: string | null; label: string | null; split: string | null; format: string }[]): MirrorSummary {
  const inc = (o: Record<string, number>, k: string | null) => { if (k) o[k] = (o[k] ?? 0) + 1; };
  const s: MirrorSummary = { by_kind: {}, by_format: {}, by_label: {}, by_split: {}, image_sizes: [], spacings: [], series: { count: 0, slices_min: null, slices_max: null }, slice_counts: [] };
  const sizes = new Map<string, number>();
  const spacings = new Map<string, number>();
  const series = new Map<string, number>();
  const depths = new Map<number, number>();
  for (const f of files) {
    inc(s.by_kind, f.kind);
    inc(s.by_format, f.format);
    inc(s.by_label, f.label);
    inc(s.by_split, f.split);
    const m = f.meta;
    if (m?.width && m.height) {
      const key = m.depth && m.depth > 1 ? `${m.width}x${m.height}x${m.depth}` : `${m.width}x${m.height}`;
      sizes.set(key, (sizes.get(key) ?? 0) + 1);
    }
    if (m?.spacing?.length) {
      const key = m.spacing.map((v) => Number(v.toPrecision(3))).join(' x ');
      spacings.set(key, (spacings.get(key) ?? 0) + 1);
    }
    if (f.series_uid) series.set(f.series_uid, (series.get(f.series_uid) ?? 0) + 1);
    else if (f.kind === 'volume' && m?.depth && m.depth > 1) depths.set(m.depth, (depths.get(m.depth) ?? 0) + 1);
  }
  s.image_sizes = top(sizes, 20, 'size') as MirrorSummary['image_sizes'];
  s.spacings = top(spacings, 20, 'spacing') as MirrorSummary['spacings'];
  const counts = [...series.values()];
  for (const n of counts) depths.set(n, (depths.get(n) ?? 0) + 1);
  s.slice_counts = [...depths].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20).map(([slices, files]) => ({ slices, files }));
  s.series = { count: counts.length, slices_min: counts.length ? Math.min(...counts) : null, slices_max: counts.length ? Math.max(...counts) : null };
  return s;
}
