// Representative samples of a mirrored dataset (issue 5: "6 to 12 thumbnails chosen to cover the label classes
// (and kinds)"). Deterministic: the same index gives the same samples, in the same order.

export interface SampleCandidate {
  id: number;
  path: string;
  kind: string;
  label: string | null;
  role: string | null;
  series_uid: string | null;
  error: string | null;
  has_thumbnail: boolean;
  /** A viewer can open it (FileItem.viewer is not 'none'): a README or a sidecar data file is a poor sample. */
  previewable: boolean;
  /** Content hash: a stable pseudo-random order inside a group, so samples do not all come from one folder. */
  sha256: string | null;
}

export const MAX_SAMPLES = 12;

/** Smaller is better: readable, previewable files first, then ones with a thumbnail, images before their masks. */
function rankKey(c: SampleCandidate): string {
  return `${c.error ? 1 : 0}${c.previewable ? 0 : 1}${c.has_thumbnail ? 0 : 1}${c.role === 'mask' ? 1 : 0}${c.sha256 ?? ''}\u0000${c.path}`;
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Picks up to `max` candidates: one per label class in turn (labels in name order), then one of every kind not
 * yet shown, then more rounds over the labels, then the best of the rest. A DICOM series counts once (its best
 * slice); files no viewer opens are left out unless nothing else is there. Returns the picks in display order.
 */
export function pickSamples(candidates: readonly SampleCandidate[], max = MAX_SAMPLES): SampleCandidate[] {
  const best = new Map<string, { c: SampleCandidate; key: string }>();
  for (const c of candidates) {
    const unit = c.series_uid ? `s:${c.series_uid}` : `f:${c.id}`;
    const key = rankKey(c);
    const cur = best.get(unit);
    if (!cur || key < cur.key) best.set(unit, { c, key });
  }
  const ranked = [...best.values()].sort(byKey).map((x) => x.c);
  // Files no viewer opens are samples only of a dataset that has nothing else.
  const pool = ranked.some((c) => c.previewable) ? ranked.filter((c) => c.previewable) : ranked;
  const picked: SampleCandidate[] = [];
  const used = new Set<number>();
  const take = (c: SampleCandidate | undefined) => {
    if (!c || used.has(c.id) || picked.length >= max) return false;
    used.add(c.id);
    picked.push(c);
    return true;
  };
  const next = (pred: (c: SampleCandidate) => boolean) => pool.find((c) => !used.has(c.id) && pred(c));

  const labels = [...new Set(pool.map((c) => c.label).filter((l): l is string => l !== null))].sort(byName);
  const kinds = [...new Set(pool.map((c) => c.kind))].sort(byName);
  for (const l of labels) take(next((c) => c.label === l));
  for (const k of kinds) if (!picked.some((c) => c.kind === k)) take(next((c) => c.kind === k));
  for (let progress = labels.length > 0; progress && picked.length < max;) {
    progress = false;
    for (const l of labels) progress = take(next((c) => c.label === l)) || progress;
  }
  while (picked.length < max && take(next(() => true)));
  return picked;
}
