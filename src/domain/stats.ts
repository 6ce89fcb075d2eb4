import type { Card, Stats } from '../../contract/index.js';
import { DATA_TYPES, MODALITIES, ORGANS, TASKS } from '../../contract/index.js';

type Labelled = Record<string, string>;

function distribution(cards: Card[], pick: (c: Card) => readonly string[], labels: Labelled): Stats['by_modality'] {
  const acc = new Map<string, { datasets: number; files: number }>();
  for (const card of cards) {
    for (const value of new Set(pick(card))) {
      const e = acc.get(value) ?? { datasets: 0, files: 0 };
      e.datasets += 1;
      e.files += card.file_count ?? 0;
      acc.set(value, e);
    }
  }
  return [...acc].map(([value, e]) => ({ value, label: labels[value] ?? value, ...e }))
    .sort((a, b) => b.datasets - a.datasets || a.value.localeCompare(b.value));
}

/** Figure 1D: decade bins [10^i, 10^(i+1)) from the smallest to the largest count. */
export function filesHistogram(counts: (number | null | undefined)[]): Stats['files_histogram'] {
  const known = counts.filter((n): n is number => n != null && n > 0);
  const unknown = counts.length - known.length;
  if (known.length === 0) return { bins: [], unknown };
  const decade = (n: number) => Math.floor(Math.log10(n) + 1e-12);
  const lo = Math.min(...known.map(decade));
  const hi = Math.max(...known.map(decade));
  const bins = [];
  for (let i = lo; i <= hi; i++) {
    bins.push({ min: 10 ** i, max: 10 ** (i + 1), datasets: known.filter((n) => decade(n) === i).length });
  }
  return { bins, unknown };
}

export function computeStats(cards: Card[]): Stats {
  const cells = new Map<string, Stats['table1'][number]>();
  for (const card of cards) {
    for (const organ of new Set(card.organs)) {
      for (const modality of new Set(card.modalities)) {
        const key = `${organ}\u0000${modality}`;
        const cell = cells.get(key) ?? { organ, modality, datasets: 0, files: 0, formats: [], tasks: [] };
        cell.datasets += 1;
        cell.files += card.file_count ?? 0;
        cell.formats = [...new Set([...cell.formats, ...(card.formats ?? [])])].sort();
        cell.tasks = [...new Set([...cell.tasks, ...(card.tasks ?? [])])].sort();
        cells.set(key, cell);
      }
    }
  }
  const organOrder = Object.keys(ORGANS);
  const modalityOrder = Object.keys(MODALITIES);
  const byModality = distribution(cards, (c) => c.modalities, MODALITIES);
  const byOrgan = distribution(cards, (c) => c.organs, ORGANS);
  return {
    totals: {
      datasets: cards.length,
      files: cards.reduce((s, c) => s + (c.file_count ?? 0), 0),
      modalities: byModality.length,
      organs: byOrgan.length,
    },
    by_modality: byModality,
    by_organ: byOrgan,
    by_task: distribution(cards, (c) => c.tasks ?? [], TASKS),
    by_data_type: distribution(cards, (c) => [c.data_type], DATA_TYPES),
    files_histogram: filesHistogram(cards.map((c) => c.file_count)),
    table1: [...cells.values()].sort((a, b) =>
      organOrder.indexOf(a.organ) - organOrder.indexOf(b.organ) || modalityOrder.indexOf(a.modality) - modalityOrder.indexOf(b.modality)),
  };
}
