import {
  Card, DATA_TYPES, type LinkHealth, type DatasetDetail, type DatasetList, type MirrorInfo, type DatasetQuery, type DatasetSummary, FACETS, type Facet, MODALITIES, ORGANS, PLATFORMS, TASKS,
} from '../../contract/index.js';
import { licenseLabel, toBibtex } from '../domain/citation.js';
import { schemaOrgDataset, toCroissant } from '../domain/croissant.js';
import { type DatasetFilters, type SortKey, toFtsQuery } from '../domain/dataset-query.js';
import { NotFoundError } from '../domain/errors.js';
import type { DatasetSearchRepo } from '../repos/dataset-search.repo.js';
import type { DatasetsRepo } from '../repos/datasets.repo.js';

// Facets over a closed vocabulary list every value, with 0 where nothing matches,
// so a UI can show the whole list of checkboxes.
const CLOSED_FACETS: Partial<Record<Facet, string[]>> = {
  modality: Object.keys(MODALITIES),
  organ: Object.keys(ORGANS),
  task: Object.keys(TASKS),
  data_type: Object.keys(DATA_TYPES),
  platform: Object.keys(PLATFORMS),
  labelled: ['true', 'false'],
};

export function toSummary(card: Card, mirrorFiles: number | null = null, linkHealth?: LinkHealth): DatasetSummary {
  return {
    slug: card.slug,
    name: card.name,
    description: card.description,
    data_type: card.data_type,
    modalities: card.modalities,
    organs: card.organs,
    tasks: card.tasks ?? [],
    formats: card.formats ?? [],
    file_count: card.file_count ?? null,
    file_count_unit: card.file_count_unit ?? null,
    labelled: card.labelled ?? null,
    year: card.year ?? null,
    upstream_updated: card.upstream_updated ?? null,
    platform: card.source.platform,
    source_url: card.source.url,
    license: licenseLabel(card),
    demo: card.demo ?? false,
    mirror_files: mirrorFiles,
    ...(linkHealth ? { link_health: linkHealth } : {}),
  };
}

const NEVER_CHECKED: LinkHealth = { last_verified_at: null, last_checked_at: null, consecutive_failures: 0, flagged: false };

export interface MirrorLookup {
  counts: () => Promise<Map<string, number>>;
  info: (slug: string) => Promise<MirrorInfo | null>;
}

/** Link health of every dataset from the update checks (datasets never checked are absent). */
export interface LinkHealthLookup {
  all: () => Promise<Map<string, LinkHealth>>;
  one: (slug: string) => Promise<LinkHealth>;
}

export function createDatasetsService(deps: { datasets: DatasetsRepo; search: DatasetSearchRepo; mirrors?: MirrorLookup; linkHealth?: LinkHealthLookup }) {
  async function get(slug: string): Promise<Card> {
    const json = await deps.datasets.getCardJson(slug);
    if (json === undefined) throw new NotFoundError(`No dataset with slug "${slug}"`);
    return JSON.parse(json) as Card;
  }

  return {
    get,

    /** The card plus what this server mirrors of it. */
    async detail(slug: string): Promise<DatasetDetail> {
      const card = await get(slug);
      const health = await deps.linkHealth?.one(slug);
      return { ...card, demo: card.demo ?? false, mirror: (await deps.mirrors?.info(slug)) ?? null, ...(health ? { link_health: health } : {}) };
    },

    async list(q: DatasetQuery): Promise<DatasetList> {
      const filters: DatasetFilters = {
        fts: toFtsQuery(q.q),
        modality: q.modality, organ: q.organ, task: q.task, format: q.format, data_type: q.data_type,
        labelled: q.labelled, platform: q.platform, license: q.license, year_from: q.year_from, year_to: q.year_to,
        hide_unreachable: q.hide_unreachable,
      };
      const sort: SortKey = q.sort ?? (filters.fts ? 'relevance' : 'name');
      const { total, rows } = await deps.search.search(filters, sort, q.per_page, (q.page - 1) * q.per_page);
      const mirrored = (await deps.mirrors?.counts()) ?? new Map<string, number>();
      const health = await deps.linkHealth?.all();
      const facetEntries = await Promise.all(FACETS.map(async (facet) => {
        const counts = new Map((await deps.search.facetCounts(filters, facet)).map((c) => [c.value, c.count]));
        for (const value of CLOSED_FACETS[facet] ?? []) if (!counts.has(value)) counts.set(value, 0);
        const list = [...counts].map(([value, count]) => ({ value, count }))
          .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
        return [facet, list] as const;
      }));
      return {
        total,
        page: q.page,
        per_page: q.per_page,
        items: rows.map((r) => { const c = JSON.parse(r.card) as Card; return toSummary(c, mirrored.get(c.slug) ?? null, health?.get(c.slug) ?? (health ? NEVER_CHECKED : undefined)); }),
        facets: Object.fromEntries(facetEntries) as DatasetList['facets'],
      };
    },

    async bibtex(slug: string): Promise<string> {
      return toBibtex(await get(slug));
    },

    async croissant(slug: string, pageUrl?: string) {
      return toCroissant(await get(slug), pageUrl);
    },

    /** Title, description and schema.org Dataset JSON-LD of a dataset page. */
    async pageMeta(slug: string, pageUrl: string) {
      const card = await get(slug);
      const { '@type': _type, ...rest } = schemaOrgDataset(card, pageUrl);
      return {
        title: `${card.name} — MedImg`,
        description: card.description.length > 300 ? `${card.description.slice(0, 297)}…` : card.description,
        jsonLd: {
          '@context': 'https://schema.org/',
          '@type': 'Dataset',
          ...rest,
          ...(card.citation ? { citation: card.citation.text } : {}),
          ...(card.aliases?.length ? { alternateName: card.aliases } : {}),
          isAccessibleForFree: true,
        },
      };
    },
  };
}
export type DatasetsService = ReturnType<typeof createDatasetsService>;
