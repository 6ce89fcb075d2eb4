import { createHash } from 'node:crypto';
import { type Card, MAX_SELECTION_DATASETS, type Selection, SelectionRequest, sourceCommand } from '../../contract/index.js';
import { toBibtex } from '../domain/citation.js';
import { aria2Format, type ExternalDataset, manifestFormat, scriptFormat } from '../domain/download-lists.js';
import { toFtsQuery } from '../domain/dataset-query.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { DatasetSearchRepo } from '../repos/dataset-search.repo.js';
import type { DatasetsRepo } from '../repos/datasets.repo.js';
import type { DownloadsRepo } from '../repos/downloads.repo.js';
import type { MirrorsRepo } from '../repos/mirrors.repo.js';
import type { ArchivePart, Download, DownloadsService } from './downloads.service.js';

/**
 * The canonical form of a request: slugs sorted and unique, filter keys sorted, empty
 * values dropped. Its hash is the id, so the same selection always gets the same id.
 */
export function normalizeSelection(req: SelectionRequest): SelectionRequest {
  const out: SelectionRequest = {};
  if (req.datasets?.length) out.datasets = [...new Set(req.datasets)].sort();
  if (req.filter) {
    const f: Record<string, unknown> = {};
    for (const key of Object.keys(req.filter).sort()) {
      const v = (req.filter as Record<string, unknown>)[key];
      if (v === undefined || (Array.isArray(v) && v.length === 0) || v === '') continue;
      f[key] = Array.isArray(v) ? [...new Set(v as string[])].sort() : v;
    }
    out.filter = f as SelectionRequest['filter'];
  }
  return out;
}

export const selectionId = (normalized: SelectionRequest) =>
  createHash('sha256').update(JSON.stringify(normalized)).digest('hex').slice(0, 24);

export function createSelectionsService(deps: {
  downloads: DownloadsRepo;
  datasets: DatasetsRepo;
  search: DatasetSearchRepo;
  mirrors: MirrorsRepo;
  files: DownloadsService;
  now?: () => Date;
}) {
  async function cards(req: SelectionRequest): Promise<{ cards: Card[]; unknown: string[] }> {
    const bySlug = new Map<string, Card>();
    const unknown: string[] = [];
    for (const slug of req.datasets ?? []) {
      const json = await deps.datasets.getCardJson(slug);
      if (json === undefined) unknown.push(slug);
      else bySlug.set(slug, JSON.parse(json) as Card);
    }
    if (req.filter) {
      const f = req.filter;
      const { rows } = await deps.search.search({
        fts: toFtsQuery(f.q), modality: f.modality ?? [], organ: f.organ ?? [], task: f.task ?? [], format: f.format ?? [],
        data_type: f.data_type ?? [], labelled: f.labelled, platform: f.platform ?? [], license: f.license ?? [],
        year_from: f.year_from, year_to: f.year_to,
      }, 'name', MAX_SELECTION_DATASETS + 1, 0);
      for (const r of rows) {
        const card = JSON.parse(r.card) as Card;
        bySlug.set(card.slug, card);
      }
    }
    return { cards: [...bySlug.values()].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0)), unknown };
  }

  async function describe(id: string, createdAt: string, request: SelectionRequest, list: Card[]): Promise<Selection> {
    const base = `/api/v1/selections/${id}`;
    return {
      id, created_at: createdAt, request,
      datasets: await Promise.all(list.map(async (c) => {
        const m = await deps.mirrors.get(c.slug);
        return {
          slug: c.slug, name: c.name, mirrored: m !== undefined, files: m?.files ?? null, bytes: m?.bytes ?? null,
          source_url: c.source.url, source_command: sourceCommand(c.source.url),
        };
      })),
      urls: { archive: `${base}/archive.zip`, manifest: `${base}/manifest.tsv`, aria2: `${base}/aria2.txt`, script: `${base}/download.sh`, citations: `${base}/citations.bib` },
    };
  }

  async function load(id: string) {
    const row = await deps.downloads.getSelection(id);
    if (!row) throw new NotFoundError(`No selection ${id}`);
    const request = SelectionRequest.parse(JSON.parse(row.request));
    // Slugs removed from the catalog since are left out; the rest is resolved again.
    const { cards: list } = await cards(request);
    return { row, request, list };
  }

  async function parts(list: Card[]): Promise<{ parts: ArchivePart[]; external: ExternalDataset[] }> {
    const parts: ArchivePart[] = [];
    const external: ExternalDataset[] = [];
    for (const c of list) {
      if (await deps.mirrors.get(c.slug)) parts.push(await deps.files.part(c.slug));
      else external.push({ slug: c.slug, name: c.name, source_url: c.source.url, source_command: sourceCommand(c.source.url) });
    }
    return { parts, external };
  }

  return {
    async create(body: SelectionRequest): Promise<Selection> {
      const request = normalizeSelection(body);
      const { cards: list, unknown } = await cards(request);
      if (unknown.length) throw new InvalidInputError(`Unknown dataset slug(s): ${unknown.join(', ')}`, 'unknown_dataset');
      if (list.length === 0) throw new InvalidInputError('The selection is empty: no dataset matches it', 'empty_selection');
      if (list.length > MAX_SELECTION_DATASETS) throw new InvalidInputError(`The selection has more than ${MAX_SELECTION_DATASETS} datasets`, 'selection_too_large');
      const id = selectionId(request);
      await deps.downloads.saveSelection(id, JSON.stringify(request), (deps.now?.() ?? new Date()).toISOString());
      const row = await deps.downloads.getSelection(id);
      return describe(id, row!.created_at, request, list);
    },

    async get(id: string): Promise<Selection> {
      const { row, request, list } = await load(id);
      return describe(id, row.created_at, request, list);
    },

    async archive(id: string): Promise<Download> {
      const { list } = await load(id);
      return deps.files.archive((await parts(list)).parts, `medimg-selection-${id}.zip`);
    },

    async manifest(id: string, baseUrl: string): Promise<AsyncIterable<string>> {
      const { list } = await load(id);
      return deps.files.listText(manifestFormat(baseUrl), (await parts(list)).parts);
    },

    async aria2(id: string, baseUrl: string): Promise<AsyncIterable<string>> {
      const { list } = await load(id);
      return deps.files.listText(aria2Format(baseUrl), (await parts(list)).parts);
    },

    async script(id: string, baseUrl: string): Promise<AsyncIterable<string>> {
      const { list } = await load(id);
      const { parts: mirrored, external } = await parts(list);
      return deps.files.listText(scriptFormat({
        title: `MedImg selection ${id} from ${baseUrl}: ${list.map((c) => c.slug).join(', ')}`.slice(0, 400),
        defaultDir: `medimg-${id}`, baseUrl, external,
      }), mirrored);
    },

    async citations(id: string): Promise<string> {
      const { list } = await load(id);
      return list.map((c) => toBibtex(c)).join('\n');
    },
  };
}
export type SelectionsService = ReturnType<typeof createSelectionsService>;
