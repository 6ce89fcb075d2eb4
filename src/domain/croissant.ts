import type { Card } from '../../contract/index.js';
import { MODALITIES, ORGANS, TASKS } from '../../contract/index.js';
import { licenseLabel } from './citation.js';

// The JSON-LD context published with the Croissant 1.0 specification
// (mlcommons.org/croissant/1.0), section "Dataset-level information".
const CROISSANT_CONTEXT = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  dct: 'http://purl.org/dc/terms/',
  examples: { '@id': 'cr:examples', '@type': '@json' },
  extract: 'cr:extract',
  field: 'cr:field',
  fileProperty: 'cr:fileProperty',
  fileObject: 'cr:fileObject',
  fileSet: 'cr:fileSet',
  format: 'cr:format',
  includes: 'cr:includes',
  isLiveDataset: 'cr:isLiveDataset',
  jsonPath: 'cr:jsonPath',
  key: 'cr:key',
  md5: 'cr:md5',
  parentField: 'cr:parentField',
  path: 'cr:path',
  recordSet: 'cr:recordSet',
  references: 'cr:references',
  regex: 'cr:regex',
  repeated: 'cr:repeated',
  replace: 'cr:replace',
  sc: 'https://schema.org/',
  separator: 'cr:separator',
  source: 'cr:source',
  subField: 'cr:subField',
  transform: 'cr:transform',
};

export function keywords(card: Card): string[] {
  return [
    ...card.modalities.map((m) => MODALITIES[m]),
    ...card.organs.map((o) => ORGANS[o]),
    ...(card.tasks ?? []).map((t) => TASKS[t]),
  ];
}

/** schema.org Dataset properties shared by Croissant and the page's JSON-LD. */
export function schemaOrgDataset(card: Card, pageUrl?: string) {
  const license = card.license?.url ?? licenseLabel(card);
  return {
    '@type': 'sc:Dataset',
    name: card.name,
    description: card.description,
    url: pageUrl ?? card.source.url,
    sameAs: card.source.url,
    ...(license ? { license } : {}),
    keywords: keywords(card),
    ...(card.year != null ? { datePublished: String(card.year) } : {}),
    ...(card.upstream_updated ? { dateModified: card.upstream_updated } : {}),
    ...(card.citation?.doi ? { identifier: `https://doi.org/${card.citation.doi}` } : {}),
  };
}

export function toCroissant(card: Card, pageUrl?: string) {
  return {
    '@context': CROISSANT_CONTEXT,
    ...schemaOrgDataset(card, pageUrl),
    conformsTo: 'http://mlcommons.org/croissant/1.0',
    ...(card.citation ? { citeAs: card.citation.text } : {}),
    ...(card.aliases?.length ? { alternateName: card.aliases } : {}),
  };
}
