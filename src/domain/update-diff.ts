/** What an adapter saw upstream: enough to tell what changed since the last check. */
export interface UpstreamSnapshot {
  version?: string | null;
  /** Total bytes as the upstream states them. */
  size?: number | null;
  /** File name -> checksum (or size when no checksum is published). */
  files?: Record<string, string> | null;
  /** The upstream's own "last modified" time, as given. */
  updated?: string | null;
}

export interface UpdateDetails {
  old_version: string | null;
  new_version: string | null;
  old_size: number | null;
  new_size: number | null;
  added_files: string[];
  removed_files: string[];
  modified_files: string[];
  upstream_updated: string | null;
}

const MAX_LISTED = 50;

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** File-level and version-level difference between two snapshots (lists capped at 50 names each). */
export function diffSnapshots(prev: UpstreamSnapshot | null, next: UpstreamSnapshot): UpdateDetails {
  const a = prev?.files ?? null;
  const b = next.files ?? null;
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  if (a && b) {
    for (const [name, sum] of Object.entries(b)) {
      if (!(name in a)) added.push(name);
      else if (a[name] !== sum) modified.push(name);
    }
    for (const name of Object.keys(a)) if (!(name in b)) removed.push(name);
  }
  const sort = (l: string[]) => l.sort().slice(0, MAX_LISTED);
  return {
    old_version: prev?.version ?? null,
    new_version: next.version ?? null,
    old_size: prev?.size ?? null,
    new_size: next.size ?? null,
    added_files: sort(added),
    removed_files: sort(removed),
    modified_files: sort(modified),
    upstream_updated: next.updated ?? null,
  };
}

/** One line saying what changed, for the event list and the feeds. */
export function summarizeChange(d: UpdateDetails): string {
  const parts: string[] = [];
  if (d.new_version && d.new_version !== d.old_version) parts.push(d.old_version ? `new version ${d.new_version} (was ${d.old_version})` : `version ${d.new_version}`);
  const files = [
    d.added_files.length ? `${d.added_files.length} file(s) added` : '',
    d.removed_files.length ? `${d.removed_files.length} removed` : '',
    d.modified_files.length ? `${d.modified_files.length} modified` : '',
  ].filter(Boolean);
  if (files.length) parts.push(files.join(', '));
  if (d.new_size != null && d.old_size != null && d.new_size !== d.old_size) parts.push(`size ${formatBytes(d.old_size)} → ${formatBytes(d.new_size)}`);
  else if (d.new_size != null && d.old_size == null) parts.push(`size ${formatBytes(d.new_size)}`);
  if (d.upstream_updated) parts.push(`updated upstream ${d.upstream_updated}`);
  return parts.length ? `Upstream changed: ${parts.join('; ')}` : 'Upstream changed (new version marker)';
}

/** Link health: a source unreachable for this many checks in a row is flagged. */
export const FLAG_AFTER_FAILURES = 3;
