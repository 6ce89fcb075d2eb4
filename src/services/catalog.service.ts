import { parseDocument } from 'yaml';
import { Card } from '../../contract/index.js';
import { cardToRecord } from '../domain/card-record.js';
import { CatalogError } from '../domain/errors.js';
import { describeIssues } from '../domain/issues.js';
import type { CardFile } from '../repos/catalog-files.repo.js';
import type { DatasetsRepo, SyncPlan } from '../repos/datasets.repo.js';

export interface CatalogSource {
  dir: string;
  /** How the folder is named in messages, e.g. "catalog/datasets". */
  display: string;
}

export interface CatalogDeps {
  readCardFiles: (dir: string, display: string) => Promise<CardFile[]>;
  datasets: DatasetsRepo;
  now?: () => Date;
}

export interface SyncResult {
  inserted: number;
  updated: number;
  removed: number;
  unchanged: number;
}

/** Parses and validates card files; every problem names the file, the field and what is allowed. */
export function parseCards(files: CardFile[]): { cards: Card[]; problems: string[] } {
  const cards: Card[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const doc = parseDocument(file.text, { prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      problems.push(...doc.errors.map((e) => `${file.path}: YAML error: ${e.message.split('\n')[0]}`));
      continue;
    }
    const parsed = Card.safeParse(doc.toJS(), { reportInput: true });
    if (!parsed.success) {
      problems.push(...describeIssues(parsed.error).map((line) => `${file.path}: ${line}`));
      continue;
    }
    const card = parsed.data;
    const expected = file.fileName.replace(/\.ya?ml$/, '');
    if (card.slug !== expected) {
      problems.push(`${file.path}: slug: "${card.slug}" must equal the file name "${expected}"`);
      continue;
    }
    const other = seen.get(card.slug);
    if (other) {
      problems.push(`${file.path}: slug: "${card.slug}" is already used by ${other}`);
      continue;
    }
    seen.set(card.slug, file.path);
    cards.push(card);
  }
  return { cards, problems };
}

export function createCatalogService(deps: CatalogDeps) {
  async function load(sources: CatalogSource[]): Promise<Card[]> {
    const files = (await Promise.all(sources.map((s) => deps.readCardFiles(s.dir, s.display)))).flat();
    const { cards, problems } = parseCards(files);
    if (problems.length > 0) throw new CatalogError(problems);
    return cards;
  }

  return {
    load,

    /**
     * Brings the database to exactly the cards in `sources`, in one transaction.
     * A bad card throws before anything is written, so the database stays as it was.
     */
    async sync(sources: CatalogSource[]): Promise<SyncResult> {
      const cards = await load(sources);
      const syncedAt = (deps.now?.() ?? new Date()).toISOString();
      const existing = await deps.datasets.contentHashes();
      const plan: SyncPlan = { insert: [], update: [], remove: [] };
      let unchanged = 0;
      for (const card of cards) {
        const rec = cardToRecord(card, syncedAt);
        const hash = existing.get(card.slug);
        if (hash === undefined) plan.insert.push(rec);
        else if (hash !== rec.row.content_hash) plan.update.push(rec);
        else unchanged++;
        existing.delete(card.slug);
      }
      plan.remove = [...existing.keys()];
      if (plan.insert.length || plan.update.length || plan.remove.length) await deps.datasets.applySync(plan);
      return { inserted: plan.insert.length, updated: plan.update.length, removed: plan.remove.length, unchanged };
    },
  };
}
export type CatalogService = ReturnType<typeof createCatalogService>;
