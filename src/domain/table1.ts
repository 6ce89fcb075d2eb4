import type { Card, Modality, Organ } from '../../contract/index.js';

/**
 * The organ x modality cells of Table 1 of the MedImg paper (Genomics Proteomics
 * Bioinformatics, 2025). The paper's "Others" row groups modalities whatever the
 * organ: DEV, ES, HS, audio and video, plus US and XR of organs outside its list.
 */
export interface Table1Cell {
  id: string;
  modality: Modality;
  organs: Organ[] | 'any';
}

const organCells: [Organ, Modality[]][] = [
  ['brain', ['CT', 'EEG', 'MRI']],
  ['breast', ['MRI', 'US', 'XR']],
  ['eye', ['FP', 'OCT']],
  ['heart', ['CT', 'ECG', 'MRI', 'US']],
  ['kidney', ['CT']],
  ['knee', ['MRI', 'XR']],
  ['liver', ['CT', 'US']],
  ['lung', ['CT', 'MRI', 'XR']],
  ['prostate', ['MRI']],
  ['skin', ['SKIN']],
  ['teeth', ['XR']],
  ['whole-body', ['CT']],
];

export const TABLE1_CELLS: Table1Cell[] = [
  ...organCells.flatMap(([organ, mods]) => mods.map((m) => ({ id: `${organ}/${m}`, modality: m, organs: [organ] }))),
  ...(['DEV', 'ES', 'HS', 'AUDIO', 'VIDEO'] as const).map((m) => ({ id: `others/${m}`, modality: m, organs: 'any' as const })),
  { id: 'others/US', modality: 'US', organs: ['other'] },
  { id: 'others/XR', modality: 'XR', organs: ['other'] },
];

export function cardFillsCell(card: Pick<Card, 'modalities' | 'organs'>, cell: Table1Cell): boolean {
  if (!card.modalities.includes(cell.modality)) return false;
  return cell.organs === 'any' || card.organs.some((o) => (cell.organs as Organ[]).includes(o));
}

/** Cells of Table 1 that no card fills. */
export function uncoveredCells(cards: Pick<Card, 'modalities' | 'organs'>[]): string[] {
  return TABLE1_CELLS.filter((cell) => !cards.some((c) => cardFillsCell(c, cell))).map((c) => c.id);
}
