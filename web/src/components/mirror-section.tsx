import type { MirrorInfo } from '../api/client.js';
import { formatNumber } from '../lib/vocab.js';
import { formatBytes } from '../lib/files.js';
import { FileBrowser } from './file-browser.js';
import { MirrorStats, type MirrorSummaryView } from './mirror-stats.js';
import { Samples } from './samples.js';

/** What this server holds of a dataset: totals, what could not be read and why, and distributions. */
export function MirrorSection({ slug, mirror }: { slug: string; mirror: MirrorInfo }) {
  return (
    <section aria-labelledby={`mirror-${slug}`} class="mirror">
      <h3 id={`mirror-${slug}`}>On this server</h3>
      <p>
        {formatNumber(mirror.files)} files ({formatBytes(mirror.bytes)}) indexed{mirror.indexed_at ? ` on ${mirror.indexed_at.slice(0, 10)}` : ''}.
        {' '}{mirror.failed > 0 ? `${formatNumber(mirror.failed)} could not be read.` : 'Every file could be read.'}
      </p>
      {mirror.failed > 0 && (
        <details>
          <summary>Files that could not be read{mirror.failed > mirror.failures.length ? ` (first ${mirror.failures.length})` : ''}</summary>
          <ul class="failures">{mirror.failures.map((f) => <li key={f.path}><code>{f.path}</code>: {f.error}</li>)}</ul>
        </details>
      )}
      <h4>Statistics of the mirrored files</h4>
      <MirrorStats summary={mirror.summary as MirrorSummaryView | null} />
    </section>
  );
}

/** Everything about the mirrored files of a dataset; loaded on demand (dataset-details.tsx), so unmirrored pages never fetch its code. */
export default function MirrorPanel({ slug, mirror }: { slug: string; mirror: MirrorInfo }) {
  return (
    <>
      <Samples slug={slug} />
      <MirrorSection slug={slug} mirror={mirror} />
      <FileBrowser slug={slug} summary={mirror.summary as MirrorSummaryView | null} />
    </>
  );
}
