import { z } from 'zod';
import { Selection, SelectionRequest } from '../../contract/downloads.js';
import { Card, DatasetList, DatasetQuery, ErrorBody, Stats, VocabulariesResponse } from '../../contract/index.js';
import { AudioPeaks, ImageQuery, PeaksQuery, SampleList, SignalData, SignalQuery, SliceQuery, VolumeInfo } from '../../contract/viewers.js';
import { DatasetUpdates, UpdateList } from '../../contract/updates.js';
import { VersionDetail, VersionList } from '../../contract/versions.js';

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
  hide_unreachable: 'true leaves out datasets whose source was unreachable for 3 update checks in a row.',
  page: 'Page number, from 1.',
  per_page: 'Items per page, 1 to 100 (default 20).',
};

const errors = {
  400: { description: 'Invalid parameter', content: { 'application/json': { schema: out(ErrorBody) } } },
  404: { description: 'Not found', content: { 'application/json': { schema: out(ErrorBody) } } },
};
const slugParam = { name: 'slug', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' } };
const ok = (schema: object, type = 'application/json') => ({ 200: { description: 'OK', content: { [type]: { schema } } } });

/** The preview endpoints (issue 5): query parameters and JSON answers from contract/viewers.ts. */
function viewerPaths() {
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
  const params = (schema: z.ZodType) => Object.entries((schema as unknown as { def: { in?: { shape: Record<string, z.ZodType> }; shape?: Record<string, z.ZodType> } }).def.in?.shape
    ?? (schema as unknown as { shape: Record<string, z.ZodType> }).shape).map(([name, s]) => ({ name, in: 'query', required: false, schema: json(s) }));
  const image = { 200: { description: 'OK', content: { 'image/webp': { schema: { type: 'string', format: 'binary' } }, 'image/png': { schema: { type: 'string', format: 'binary' } } } } };
  const f = (summary: string, responses: object, query?: z.ZodType) => ({ get: { summary, parameters: [idParam, ...(query ? params(query) : [])], responses: { ...responses, ...errors } } });
  return {
    '/api/v1/files/{id}/volume': f('A volume: planes, slice counts, spacing, aspect, orientation, window, CT presets, paired mask', ok(out(VolumeInfo))),
    '/api/v1/files/{id}/slice': f('One slice rendered by the server (cached; ETag)', image, SliceQuery),
    '/api/v1/files/{id}/image': f('Any image as browser-displayable WebP or PNG (at most 4096 px a side)', image, ImageQuery),
    '/api/v1/files/{id}/signal': f('Signal leads downsampled to a min/max envelope over a time range', ok(out(SignalData)), SignalQuery),
    '/api/v1/files/{id}/peaks': f('Audio waveform peaks (501 ffmpeg_unavailable for compressed audio without ffmpeg)', ok(out(AudioPeaks)), PeaksQuery),
    '/api/v1/files/{id}/video': f('A playable MP4/WebM with HTTP Range (other containers transcoded once; 501 without ffmpeg)', ok({ type: 'string', format: 'binary' }, 'video/mp4')),
    '/api/v1/files/{id}/poster': f("A video's poster frame, 256 px WebP", ok({ type: 'string', format: 'binary' }, 'image/webp')),
    '/api/v1/datasets/{slug}/samples': { get: { summary: '6 to 12 representative files: label classes first, then kinds', parameters: [slugParam], responses: { ...ok(out(SampleList)), ...errors } } },
  };
}

/** Downloads (issue 6): raw bytes, streamed ZIP archives, manifests and selections (contract/downloads.ts). */
function downloadPaths() {
  const bin = (type: string) => ({ type: 'string', format: type === 'application/zip' || type === 'application/octet-stream' ? 'binary' : undefined });
  const ranged = (type: string) => ({
    ...ok(bin(type), type),
    206: { description: 'Partial content (Range: bytes=a-b, a- or -n; If-Range with the ETag or Last-Modified)', content: { [type]: { schema: bin(type) } } },
    409: { description: 'stale_index: the file on disk is no longer the indexed one; re-ingest', content: { 'application/json': { schema: out(ErrorBody) } } },
    416: { description: 'Range not satisfiable (Content-Range: bytes */size)', content: { 'application/json': { schema: out(ErrorBody) } } },
  });
  const subset = [
    { name: 'path', in: 'query', required: false, description: 'Only files under this relative path prefix (a folder ends with /).', schema: { type: 'string' } },
    { name: 'label', in: 'query', required: false, description: 'Only files with this label (class).', schema: { type: 'string' } },
  ];
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
  const selParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{24}$' } };
  const sel = (summary: string, responses: object) => ({ get: { summary, parameters: [selParam], responses: { ...responses, ...errors } } });
  return {
    '/api/v1/files/{id}/raw': { get: { summary: 'The original bytes (strong ETag = SHA-256, Range, HEAD, Content-Disposition)', parameters: [idParam], responses: { ...ranged('application/octet-stream'), ...errors, 403: { description: 'The file resolves outside its dataset folder' } } } },
    '/api/v1/datasets/{slug}/archive.zip': { get: { summary: 'The mirror as a deterministic STORED ZIP (ZIP64 when needed) with MANIFEST.tsv, croissant.json, CITATION.bib, LICENSE.txt; Range and resume', parameters: [slugParam, ...subset], responses: { ...ranged('application/zip'), ...errors } } },
    '/api/v1/datasets/{slug}/manifest.tsv': { get: { summary: 'url, path, size, sha256 of every mirrored file', parameters: [slugParam, ...subset], responses: { ...ok({ type: 'string' }, 'text/tab-separated-values'), ...errors } } },
    '/api/v1/selections': { post: { summary: 'Save a selection of datasets (slugs and/or a catalog filter); same selection, same id', requestBody: { required: true, content: { 'application/json': { schema: json(SelectionRequest) } } }, responses: { 201: { description: 'Created', content: { 'application/json': { schema: out(Selection) } } }, 400: errors[400] } } },
    '/api/v1/selections/{id}': sel('A selection: its datasets, which are mirrored here, and its download URLs', ok(out(Selection))),
    '/api/v1/selections/{id}/archive.zip': sel('Every mirrored dataset of the selection in one ZIP, each under its slug with its metadata; Range and resume', ranged('application/zip')),
    '/api/v1/selections/{id}/manifest.tsv': sel('url, path, size, sha256 of every mirrored file', ok({ type: 'string' }, 'text/tab-separated-values')),
    '/api/v1/selections/{id}/aria2.txt': sel('aria2c input file (aria2c -i) with out= and checksum=sha-256=', ok({ type: 'string' }, 'text/plain')),
    '/api/v1/selections/{id}/download.sh': sel('POSIX sh script: curl with resume, SHA-256 verification, a report of failures; how to get datasets not mirrored here', ok({ type: 'string' }, 'text/x-shellscript')),
    '/api/v1/selections/{id}/citations.bib': sel('BibTeX of every dataset of the selection', ok({ type: 'string' }, 'application/x-bibtex')),
  };
}

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
      '/api/v1/updates': {
        get: {
          summary: 'Upstream update events found by the scheduled checks, newest first',
          parameters: [
            { name: 'dataset', in: 'query', required: false, description: 'Only this dataset (slug).', schema: { type: 'string' } },
            { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
            { name: 'per_page', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
          ],
          responses: { ...ok(out(UpdateList)), 400: errors[400] },
        },
      },
      '/api/v1/datasets/{slug}/updates': {
        get: { summary: "One dataset's update checks, events and link health", parameters: [slugParam], responses: { ...ok(out(DatasetUpdates)), ...errors } },
      },
      '/feed.xml': { get: { summary: 'Atom feed (RFC 4287) of all upstream updates', responses: ok({ type: 'string' }, 'application/atom+xml') } },
      '/datasets/{slug}/feed.xml': { get: { summary: 'Atom feed of one dataset', parameters: [slugParam], responses: { ...ok({ type: 'string' }, 'application/atom+xml'), ...errors } } },
      '/api/v1/datasets/{slug}/versions': {
        get: { summary: 'Recorded versions of a mirrored dataset, newest first (page, per_page)', parameters: [slugParam], responses: { ...ok(out(VersionList)), ...errors } },
      },
      '/api/v1/datasets/{slug}/versions/{n}': {
        get: {
          summary: 'One version with a page of its file-level diff (change=added|removed|modified, page, per_page)',
          parameters: [slugParam, { name: 'n', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { ...ok(out(VersionDetail)), ...errors },
        },
      },
      '/api/v1/datasets/{slug}/versions/{n}/manifest.tsv': {
        get: {
          summary: "A version's manifest: path, size, sha256 (tab, newline, CR and backslash in paths escaped as \\t \\n \\r \\\\)",
          parameters: [slugParam, { name: 'n', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { ...ok({ type: 'string' }, 'text/tab-separated-values'), ...errors },
        },
      },
      '/api/v1/vocabularies': { get: { summary: 'Every code with its label', responses: ok(out(VocabulariesResponse)) } },
      ...viewerPaths(),
      ...downloadPaths(),
      '/healthz': { get: { summary: 'Liveness, and the state of the synthetic demo mirror', responses: ok({ type: 'object', properties: { status: { type: 'string' }, demo: { type: 'string', enum: ['off', 'building', 'ready', 'failed'] } } }) } },
    },
  };
}
