import type { Card, Stats } from '../../contract/index.js';
import { computeStats } from '../domain/stats.js';
import type { DatasetsRepo } from '../repos/datasets.repo.js';

export function createStatsService(deps: { datasets: DatasetsRepo }) {
  return {
    async stats(): Promise<Stats> {
      // The paper's figures describe the real catalog: synthetic demo cards are left out.
      const cards = (await deps.datasets.allCardJson()).map((j) => JSON.parse(j) as Card).filter((c) => !c.demo);
      return computeStats(cards);
    },
  };
}
export type StatsService = ReturnType<typeof createStatsService>;
