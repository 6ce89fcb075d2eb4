import type { FastifyInstance } from 'fastify';
import { VOCABULARIES, type VocabulariesResponse } from '../../../contract/index.js';
import type { DemoService } from '../../services/demo.service.js';
import type { StatsService } from '../../services/stats.service.js';

const vocabularies: VocabulariesResponse = Object.fromEntries(
  Object.entries(VOCABULARIES).map(([name, entries]) => [name, Object.entries(entries).map(([code, label]) => ({ code, label }))]),
);

export function metaRoutes(app: FastifyInstance, stats: StatsService, demo?: Pick<DemoService, 'status'>): void {
  // `demo` lets a client (or a test) wait until the synthetic demo mirror is ingested.
  app.get('/healthz', async () => ({ status: 'ok', demo: demo ? await demo.status() : 'off' }));
  app.get('/api/v1/vocabularies', async () => vocabularies);
  app.get('/api/v1/stats', async () => stats.stats());
}
