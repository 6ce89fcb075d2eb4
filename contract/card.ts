import { z } from 'zod';
import { CommercialUse, DataType, FileCountUnit, Modality, Organ, Platform, Task, UpdateMethod } from './vocab.js';

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const Slug = z.string().max(80).regex(SLUG_PATTERN, 'must be lower-case letters, digits and single hyphens');

const Url = z.url({ protocol: /^https?$/ });
const Text = z.string().trim().min(1);
// Catalog text is plain text: it is rendered as text, but markup in a card is a
// sign that it was pasted from a page instead of written.
const PlainText = Text.refine((s) => !/[<>]/.test(s), 'must be plain text (no < or >)');
const IsoDate = z.iso.date();
const Format = z.string().regex(/^[a-z0-9]+(?:\.[a-z0-9]+)*$/, 'must be a lower-case file extension without the leading dot');
const Count = z.number().int().nonnegative();
const Year = z.number().int().min(1950).max(2100);

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1);

export const License = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9.+-]+$/, 'must be an SPDX identifier').nullish(),
  name: Text.nullish(),
  url: Url.nullish(),
  commercial_use: CommercialUse,
}).refine((l) => l.id || l.name, { message: 'needs an SPDX id or the licence name as published' });

export const Citation = z.strictObject({
  text: Text,
  doi: z.string().regex(/^10\.\d{4,9}\/\S+$/, 'must be a bare DOI such as 10.1000/xyz').nullish(),
});

export const FactSource = z.strictObject({
  fields: list(Text),
  source: Text,
  note: Text.nullish(),
});

export const UpdateCheck = z.strictObject({
  method: UpdateMethod,
  url: Url.nullish(),
  // Explicit locators of the update-check adapters (src/domain/update-source.ts derives them from the URLs when absent).
  record_id: z.string().regex(/^\d+$/, 'must be a Zenodo record id (digits)').nullish(),
  project: Slug.nullish(),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name').nullish(),
  dataset: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name').nullish(),
  challenge: Slug.nullish(),
});

export const Card = z.strictObject({
  slug: Slug,
  name: PlainText,
  aliases: z.array(PlainText).nullish(),
  description: PlainText,
  data_type: DataType,
  modalities: list(Modality),
  organs: list(Organ),
  tasks: z.array(Task).nullish(),
  formats: z.array(Format).nullish(),
  file_count: Count.nullish(),
  file_count_unit: FileCountUnit.nullish(),
  subjects: Count.nullish(),
  labelled: z.boolean().nullish(),
  annotation: PlainText.nullish(),
  year: Year.nullish(),
  source: z.strictObject({ platform: Platform, url: Url }),
  license: License.nullish(),
  citation: Citation.nullish(),
  related_code: z.array(z.strictObject({ name: Text, url: Url })).nullish(),
  upstream_updated: IsoDate.nullish(),
  fact_sources: list(FactSource),
  update_check: UpdateCheck.nullish(),
  demo: z.boolean().nullish(),
}).refine((c) => c.file_count == null || c.file_count_unit != null, {
  message: 'file_count needs file_count_unit',
  path: ['file_count_unit'],
});

export type Card = z.infer<typeof Card>;
