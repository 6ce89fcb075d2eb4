import type { Card } from '../../contract/index.js';

export const UPDATE_KINDS = ['http', 'zenodo', 'physionet', 'github', 'huggingface', 'kaggle', 'grand-challenge'] as const;
export type UpdateKind = (typeof UPDATE_KINDS)[number];

/** How one dataset's upstream is polled: an adapter kind and what that adapter needs to find it. */
export type UpdateSource =
  | { kind: 'http'; url: string }
  | { kind: 'zenodo'; recordId: string; url: string }
  | { kind: 'physionet'; project: string; url: string }
  | { kind: 'github'; owner: string; repo: string; url: string }
  | { kind: 'huggingface'; dataset: string; url: string }
  | { kind: 'kaggle'; dataset: string; url: string }
  | { kind: 'grand-challenge'; challenge: string; url: string };

const host = (u: URL) => u.hostname.toLowerCase().replace(/^www\./, '');
const segments = (u: URL) => u.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
const NAME = /^[\w.-]+$/;
// Paths of kaggle.com that are not "<owner>/<dataset>".
const KAGGLE_RESERVED = new Set(['c', 'competitions', 'code', 'discussions', 'models', 'learn', 'docs', 'organizations', 'search', 'account']);

/**
 * The most specific adapter a URL supports, or undefined when only the plain HTTP
 * check applies. Only what the URL itself states is used: nothing is looked up.
 */
export function sourceFromUrl(raw: string): UpdateSource | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  const h = host(u);
  const seg = segments(u);
  if (h === 'zenodo.org' && (seg[0] === 'records' || seg[0] === 'record') && /^\d+$/.test(seg[1] ?? '')) {
    return { kind: 'zenodo', recordId: seg[1]!, url: raw };
  }
  // Zenodo DOIs are 10.5281/zenodo.<record id>.
  const doi = h === 'doi.org' || h === 'dx.doi.org' ? /^10\.5281\/zenodo\.(\d+)$/i.exec(seg.join('/')) : null;
  if (doi) return { kind: 'zenodo', recordId: doi[1]!, url: raw };
  if (h === 'physionet.org' && (seg[0] === 'content' || seg[0] === 'files') && /^[a-z0-9-]+$/.test(seg[1] ?? '')) {
    return { kind: 'physionet', project: seg[1]!, url: raw };
  }
  if (h === 'github.com' && seg.length >= 2 && NAME.test(seg[0]!) && NAME.test(seg[1]!)) {
    return { kind: 'github', owner: seg[0]!, repo: seg[1]!.replace(/\.git$/, ''), url: raw };
  }
  if (h === 'huggingface.co' && seg[0] === 'datasets' && seg.length >= 3 && NAME.test(seg[1]!) && NAME.test(seg[2]!)) {
    return { kind: 'huggingface', dataset: `${seg[1]}/${seg[2]}`, url: raw };
  }
  if (h === 'kaggle.com') {
    const rest = seg[0] === 'datasets' ? seg.slice(1) : seg;
    if (rest.length >= 2 && !KAGGLE_RESERVED.has(rest[0]!) && NAME.test(rest[0]!) && NAME.test(rest[1]!)) {
      return { kind: 'kaggle', dataset: `${rest[0]}/${rest[1]}`, url: raw };
    }
    return undefined;
  }
  const gc = /^([a-z0-9-]+)\.grand-challenge\.org$/.exec(h);
  if (gc && gc[1] !== 'www') return { kind: 'grand-challenge', challenge: gc[1]!, url: raw };
  if (h === 'grand-challenge.org' && seg[0] === 'challenges' && /^[a-z0-9-]+$/i.test(seg[1] ?? '')) {
    return { kind: 'grand-challenge', challenge: seg[1]!.toLowerCase(), url: raw };
  }
  return undefined;
}

/** The locator fields a card states explicitly override anything derived from its URLs. */
function explicitSource(card: Card): UpdateSource | undefined {
  const uc = card.update_check;
  if (!uc) return undefined;
  const url = uc.url ?? card.source.url;
  if (uc.method === 'zenodo' && uc.record_id) return { kind: 'zenodo', recordId: uc.record_id, url };
  if (uc.method === 'physionet' && uc.project) return { kind: 'physionet', project: uc.project, url };
  if (uc.method === 'github' && uc.repo) {
    const [owner, repo] = uc.repo.split('/') as [string, string];
    return { kind: 'github', owner, repo, url };
  }
  if (uc.method === 'huggingface' && uc.dataset) return { kind: 'huggingface', dataset: uc.dataset, url };
  if (uc.method === 'kaggle' && uc.dataset) return { kind: 'kaggle', dataset: uc.dataset, url };
  if (uc.method === 'grand-challenge' && uc.challenge) return { kind: 'grand-challenge', challenge: uc.challenge, url };
  return undefined;
}

/**
 * The best adapter a card's source supports: explicit locators first, then the most
 * specific adapter that the update-check URL or the source URL allows, else a plain
 * HTTP check of the update-check URL (or the source URL). `method: none` opts out.
 */
export function resolveUpdateSource(card: Card): UpdateSource | null {
  if (card.update_check?.method === 'none') return null;
  const explicit = explicitSource(card);
  if (explicit) return explicit;
  const urls = [card.update_check?.url, card.source.url].filter((u): u is string => !!u);
  for (const u of urls) {
    const s = sourceFromUrl(u);
    if (s) return s;
  }
  return { kind: 'http', url: urls[0]! };
}

/** How many cards get each adapter (catalog-check prints it). */
export function countUpdateKinds(cards: Card[]): Record<UpdateKind | 'none', number> {
  const counts = Object.fromEntries([...UPDATE_KINDS, 'none'].map((k) => [k, 0])) as Record<UpdateKind | 'none', number>;
  for (const c of cards) counts[resolveUpdateSource(c)?.kind ?? 'none']++;
  return counts;
}

/** The adapter's locator as one string (stored with each check, shown by the CLI). */
export function describeSource(s: UpdateSource): string {
  switch (s.kind) {
    case 'http': return s.url;
    case 'zenodo': return `zenodo record ${s.recordId}`;
    case 'physionet': return `physionet project ${s.project}`;
    case 'github': return `github ${s.owner}/${s.repo}`;
    case 'huggingface': return `huggingface dataset ${s.dataset}`;
    case 'kaggle': return `kaggle dataset ${s.dataset}`;
    case 'grand-challenge': return `grand-challenge ${s.challenge}`;
  }
}
