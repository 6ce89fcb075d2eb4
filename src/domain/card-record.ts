import { createHash } from 'node:crypto';
import type { Card } from '../../contract/index.js';
import { licenseLabel } from './citation.js';

/** The database row of a card: the columns search filters on, plus the card itself. */
export function cardToRecord(card: Card, syncedAt: string) {
  const json = JSON.stringify(card);
  return {
    row: {
      slug: card.slug,
      name: card.name,
      description: card.description,
      data_type: card.data_type,
      file_count: card.file_count ?? null,
      file_count_unit: card.file_count_unit ?? null,
      subjects: card.subjects ?? null,
      labelled: card.labelled == null ? null : card.labelled ? 1 : 0,
      year: card.year ?? null,
      upstream_updated: card.upstream_updated ?? null,
      platform: card.source.platform,
      source_url: card.source.url,
      license_key: licenseLabel(card),
      demo: card.demo ? 1 : 0,
      card: json,
      content_hash: createHash('sha256').update(json).digest('hex'),
      synced_at: syncedAt,
    },
    values: [
      ...card.modalities.map((value) => ({ facet: 'modality', value })),
      ...card.organs.map((value) => ({ facet: 'organ', value })),
      ...(card.tasks ?? []).map((value) => ({ facet: 'task', value })),
      ...[...new Set(card.formats ?? [])].map((value) => ({ facet: 'format', value })),
    ].filter((v, i, all) => all.findIndex((o) => o.facet === v.facet && o.value === v.value) === i),
    fts: {
      name: card.name,
      aliases: (card.aliases ?? []).join(' ; '),
      description: card.description,
      citation: card.citation?.text ?? '',
    },
  };
}
