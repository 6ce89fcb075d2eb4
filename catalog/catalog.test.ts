import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uncoveredCells } from '../src/domain/table1.js';
import { readCardFiles } from '../src/repos/catalog-files.repo.js';
import { parseCards } from '../src/services/catalog.service.js';

const CATALOG_DIR = resolve(import.meta.dirname, 'datasets');

/** Cells that docs/catalog.md lists, with what was tried, as having no verifiable public dataset. */
function documentedGaps(): string[] {
  const doc = readFileSync(resolve(import.meta.dirname, '../docs/catalog.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Table 1 cells without a verifiable dataset')) ?? '';
  return [...section.matchAll(/^- `([a-z-]+\/[A-Z]+)`/gm)].map((m) => m[1] as string);
}

describe('the built-in catalog', async () => {
  const files = await readCardFiles(CATALOG_DIR, 'catalog/datasets');
  const { cards, problems } = parseCards(files);

  it('has only valid cards with unique slugs', () => {
    expect(problems).toEqual([]);
    expect(new Set(cards.map((c) => c.slug)).size).toBe(files.length);
  });

  it('describes at least 150 datasets', () => {
    expect(cards.length).toBeGreaterThanOrEqual(150);
  });

  it('covers every Table 1 cell of the MedImg paper, except the documented one', () => {
    const gaps = documentedGaps();
    expect(gaps.length).toBeLessThanOrEqual(1);
    expect(uncoveredCells(cards)).toEqual(gaps);
  });

  it('records where facts were read, and no test fixture leaks in', () => {
    for (const card of cards) {
      expect(card.fact_sources.length, card.slug).toBeGreaterThan(0);
      expect(card.source.url, card.slug).not.toMatch(/example\.(org|com)/);
      expect(card.demo ?? false, card.slug).toBe(false);
    }
  });

  it('gives a unit with every count and a licence decision with every licence', () => {
    for (const card of cards) {
      if (card.file_count != null) expect(card.file_count_unit, card.slug).toBeTruthy();
      if (card.license) expect(['yes', 'no', 'unknown']).toContain(card.license.commercial_use);
    }
  });
});
