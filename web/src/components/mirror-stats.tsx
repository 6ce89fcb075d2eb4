import { BarTable, type Bar } from './bar-table.js';

/** The mirror summary as recorded by ingestion (src/domain/mirror-summary.ts); every part may be absent. */
export interface MirrorSummaryView {
  by_kind?: Record<string, number>;
  by_format?: Record<string, number>;
  by_label?: Record<string, number>;
  by_split?: Record<string, number>;
  image_sizes?: { size: string; files: number }[];
  spacings?: { spacing: string; files: number }[];
  series?: { count: number; slices_min: number | null; slices_max: number | null };
  /** Volumes per slice count (volume files and DICOM series); absent in summaries made before it existed. */
  slice_counts?: { slices: number; files: number }[];
}

const MAX_BARS = 15;

function bars(counts: Record<string, number> | undefined): Bar[] {
  const rows = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = rows.slice(0, MAX_BARS).map(([label, value]) => ({ label, value }));
  const rest = rows.slice(MAX_BARS).reduce((n, [, v]) => n + v, 0);
  return rest > 0 ? [...shown, { label: `${rows.length - MAX_BARS} others`, value: rest }] : shown;
}

/** Volumes per slice count; older summaries lack it, and then the depth of 3D sizes ("512x512x120") stands in. */
function sliceBars(summary: MirrorSummaryView): Bar[] {
  const byDepth = new Map<number, number>();
  if (summary.slice_counts) summary.slice_counts.forEach((c) => byDepth.set(c.slices, c.files));
  else {
    for (const s of summary.image_sizes ?? []) {
      const d = Number(s.size.split('x')[2]);
      if (d > 1) byDepth.set(d, (byDepth.get(d) ?? 0) + s.files);
    }
  }
  return [...byDepth].sort((a, b) => a[0] - b[0]).map(([d, files]) => ({ label: String(d), value: files }));
}

/**
 * Per-dataset distributions of the mirror as bar charts. Each chart is a table, so its
 * numbers are the text alternative of the bars.
 */
export function MirrorStats({ summary }: { summary: MirrorSummaryView | null }) {
  if (!summary) return <p class="muted">No statistics were recorded for this mirror.</p>;
  const charts: { caption: string; unit: string; valueHeader?: string; bars: Bar[] }[] = [
    { caption: 'Files by label', unit: 'Label', bars: bars(summary.by_label) },
    { caption: 'Files by kind', unit: 'Kind', bars: bars(summary.by_kind) },
    { caption: 'Files by format', unit: 'Format', bars: bars(summary.by_format) },
    { caption: 'Files by split', unit: 'Split', bars: bars(summary.by_split) },
    { caption: 'Image sizes (pixels)', unit: 'Size', bars: (summary.image_sizes ?? []).slice(0, MAX_BARS).map((s) => ({ label: s.size.replace(/x/g, ' × '), value: s.files })) },
    { caption: 'Pixel or voxel spacing (mm)', unit: 'Spacing', bars: (summary.spacings ?? []).slice(0, MAX_BARS).map((s) => ({ label: s.spacing.replace(/ x /g, ' × '), value: s.files })) },
    { caption: 'Slices per volume', unit: 'Slices', valueHeader: 'Volumes', bars: sliceBars(summary) },
  ].filter((c) => c.bars.length > 0);
  const series = summary.series;
  return (
    <div class="mirror-stats">
      {series && series.count > 0 && (
        <p>{series.count === 1 ? '1 DICOM series' : `${series.count} DICOM series`} of {series.slices_min === series.slices_max
          ? `${series.slices_min} ${series.slices_min === 1 ? 'slice' : 'slices'}${series.count === 1 ? '' : ' each'}`
          : `${series.slices_min} to ${series.slices_max} slices`}.</p>
      )}
      <div class="chart-grid stats-charts">
        {charts.map((c) => <BarTable key={c.caption} caption={c.caption} unit={c.unit} valueHeader={c.valueHeader ?? 'Files'} bars={c.bars} />)}
      </div>
    </div>
  );
}
