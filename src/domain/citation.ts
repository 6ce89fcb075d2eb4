import type { Card } from '../../contract/index.js';

// BibTeX special characters (the TeXbook's ten): escape so that catalog text
// cannot break out of a field value.
const TEX_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}', '{': '\\{', '}': '\\}', '%': '\\%', '&': '\\&', $: '\\$',
  '#': '\\#', _: '\\_', '^': '\\^{}', '~': '\\~{}',
};
export const escapeBibtex = (s: string) => s.replace(/[\\{}%&$#_^~]/g, (c) => TEX_ESCAPES[c] ?? c);

/** A BibTeX @misc entry for the dataset itself; the published citation goes in `note`. */
export function toBibtex(card: Card): string {
  const fields: [string, string][] = [['title', `{${escapeBibtex(card.name)}}`]];
  if (card.year != null) fields.push(['year', String(card.year)]);
  fields.push(['howpublished', `\\url{${card.source.url.replace(/[{}\\%#]/g, encodeURIComponent)}}`]);
  fields.push(['url', card.source.url.replace(/[{}\\%#]/g, encodeURIComponent)]);
  if (card.citation?.doi) fields.push(['doi', escapeBibtex(card.citation.doi)]);
  if (card.license) fields.push(['note', `License: ${escapeBibtex(licenseLabel(card) ?? '')}`]);
  if (card.citation?.text) fields.push(['addendum', `Cite as: ${escapeBibtex(card.citation.text)}`]);
  const body = fields.map(([k, v]) => `  ${k} = {${v}}`).join(',\n');
  return `@misc{${card.slug},\n${body}\n}\n`;
}

export function licenseLabel(card: Pick<Card, 'license'>): string | null {
  return card.license?.id ?? card.license?.name ?? null;
}
