// Atom 1.0 (RFC 4287) feeds of update events. Every text is XML-escaped; ids are tag: URIs
// (RFC 4151) derived from the event id, so an entry keeps its id across fetches and hosts.

export interface FeedEntry {
  id: number;
  slug: string;
  name: string | null;
  detected_at: string;
  kind: 'changed' | 'unreachable';
  summary: string;
}

export interface FeedInput {
  /** Absolute URL of the feed itself (rel="self"). */
  selfUrl: string;
  /** Absolute URL of the site, without a trailing slash. */
  siteUrl: string;
  title: string;
  /** Dataset slug of a per-dataset feed. */
  slug?: string;
  /** Host name used in tag: URIs: stable for one instance. */
  authority: string;
  entries: FeedEntry[];
  /** Time of the feed when it has no entries (RFC 4287 requires atom:updated). */
  emptyUpdated: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Characters XML 1.0 does not allow at all are dropped rather than escaped.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
export const escapeXml = (s: string) => s.replace(INVALID_XML, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

/** RFC 4151 tag URI; the date is fixed so that ids never change. */
const tag = (authority: string, specific: string) => `tag:${authority.replace(/:\d+$/, '')},2026:${specific}`;

export function renderAtomFeed(f: FeedInput): string {
  const updated = f.entries[0]?.detected_at ?? f.emptyUpdated;
  const entries = f.entries.map((e) => {
    const page = `${f.siteUrl}/datasets/${encodeURIComponent(e.slug)}`;
    const title = e.kind === 'changed' ? `${e.name ?? e.slug}: upstream changed` : `${e.name ?? e.slug}: source unreachable`;
    return [
      '  <entry>',
      `    <id>${escapeXml(tag(f.authority, `update-event/${e.id}`))}</id>`,
      `    <title type="text">${escapeXml(title)}</title>`,
      `    <updated>${escapeXml(e.detected_at)}</updated>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(page)}"/>`,
      `    <category term="${escapeXml(e.kind)}"/>`,
      `    <content type="text">${escapeXml(e.summary)}</content>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${escapeXml(tag(f.authority, f.slug ? `updates/${f.slug}` : 'updates'))}</id>`,
    `  <title type="text">${escapeXml(f.title)}</title>`,
    `  <updated>${escapeXml(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(f.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(f.slug ? `${f.siteUrl}/datasets/${encodeURIComponent(f.slug)}` : `${f.siteUrl}/`)}"/>`,
    '  <author><name>MedImg update checks</name></author>',
    '  <generator>MedImg</generator>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
