import type { Config } from '../config.js';
import { uncoveredCells } from '../domain/table1.js';
import { countUpdateKinds } from '../domain/update-source.js';
import { readCardFiles } from '../repos/catalog-files.repo.js';
import { parseCards } from '../services/catalog.service.js';

/** Validates every card without touching the database. Exit code 1 on any problem. */
export async function catalogCheckCommand(config: Config): Promise<number> {
  const files = (await Promise.all(config.catalogSources.map((s) => readCardFiles(s.dir, s.display)))).flat();
  const { cards, problems } = parseCards(files);
  for (const p of problems) console.error(p);
  const gaps = uncoveredCells(cards.filter((c) => !c.demo));
  console.log(`${cards.length} valid card(s), ${problems.length} problem(s); Table 1 cells without a dataset: ${gaps.join(', ') || 'none'}`);
  const kinds = Object.entries(countUpdateKinds(cards)).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  console.log(`Update checks by adapter: ${kinds.join(', ')}`);
  return problems.length > 0 ? 1 : 0;
}
