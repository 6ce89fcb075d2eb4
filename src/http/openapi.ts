import { z } from 'zod';
import { Card, DatasetList, DatasetQuery, ErrorBody, Stats, VocabulariesResponse } from '../../contract/index.js';

// Generated from the contract schemas, so the reference cannot drift from what
// the routes validate and return.
const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });
const out = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'openapi-3.0' });

const queryShape = (DatasetQuery as unknown as { shape?: Record<string, z.ZodType> }).shape
  ?? (DatasetQuery as unknown as { def: { in?: { shape: Record<string, z.ZodType> } } }).def.in?.shape ?? {};

const QUERY_DOCS: Record<string, string> = {
  q: 'Keywords matched against name, aliases, description and citation (prefix match, ranked by relevance).',
  modality: 'Modality code; repeat for OR (modality=CT&modality=MRI).',
  organ: 'Organ code; repeat for OR.',
  task: 'Task code; repeat for OR.',
  format: 'File extension without dot (dcm, nii.gz); repeat for OR.',
  data_type: 'Data type; repeat for OR.',
  labelled: 'true or false.',
  platform: 'Hosting platform; repeat for OR.',
  license: 'SPDX id or licence name as published; repeat for OR.',
  year_from: 'Earliest release year (inclusive).',
  year_to: 'Latest release year (inclusive).',
  sort: 'relevance (default with q), name (default without), files, year, or updated (last upstream change first).',
  page: 'Page number, from 1.',
  per_page: 'Items per page, 1 to 100 (default 20).',
};

const errors = {
  400: { description: 'Invalid parameter', content: { 'application/json': { schema: out(ErrorBody) } } },
  404: { description: 'Not found', content: { 'application/json': { schema: out(ErrorBody) } } },
};
const slugParam = { name: 'slug', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' } };
const ok = (schema: object, type = 'application/json') => ({ 200: { description: 'OK', content: { [type]: { schema } } } });

export function buildOpenApi() {
  return {
    openapi: '3.0.3',
    info: { title: 'MedImg API', version: '1.0.0', description: 'Catalog of public medical image datasets.' },
    paths: {
      '/api/v1/datasets': {
        get: {
          summary: 'Search datasets with facet counts',
          parameters: Object.entries(queryShape).map(([name, schema]) => ({
            name, in: 'query', required: false, description: QUERY_DOCS[name], schema: json(schema),
            ...(['modality', 'organ', 'task', 'format', 'data_type', 'platform', 'license'].includes(name) ? { style: 'form', explode: true } : {}),
          })),
          responses: { ...ok(out(DatasetList)), 400: errors[400] },
        },
      },
      '/api/v1/datasets/{slug}': {
        get: { summary: 'One dataset card', parameters: [slugParam], responses: { ...ok(out(Card)), ...errors } },
      },
      '/api/v1/datasets/{slug}/citation.bib': {
        get: { summary: 'BibTeX entry', parameters: [slugParam], responses: { ...ok({ type: 'string' }, 'application/x-bibtex'), ...errors } },
      },
      '/api/v1/datasets/{slug}/croissant.json': {
        get: { summary: 'Croissant 1.0 JSON-LD metadata', parameters: [slugParam], responses: { ...ok({ type: 'object' }, 'application/ld+json'), ...errors } },
      },
      '/api/v1/stats': { get: { summary: 'Totals, Figure 1 distributions and Table 1', responses: ok(out(Stats)) } },
      '/api/v1/vocabularies': { get: { summary: 'Every code with its label', responses: ok(out(VocabulariesResponse)) } },
      '/healthz': { get: { summary: 'Liveness', responses: ok({ type: 'object', properties: { status: { type: 'string' } } }) } },
    },
  };
}
