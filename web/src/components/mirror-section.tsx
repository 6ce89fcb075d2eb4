import type { MirrorInfo } from '../api/client.js';
import { formatNumber } from '../lib/vocab.js';

const bytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function Counts({ caption, counts }: { caption: string; counts: Record<string, number> | undefined }) {
  const rows = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) return null;
  return (
    <table class="counts">
      <caption>{caption}</caption>
      <tbody>{rows.slice(0, 30).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td class="num">{formatNumber(v)}</td></tr>)}</tbody>
    </table>
  );
}

/** What this server holds of a dataset: totals, what could not be read and why, and distributions. */
export function MirrorSection({ slug, mirror }: { slug: string; mirror: MirrorInfo }) {
  const s = mirror.summary as Record<string, Record<string, number> | undefined> | null;
  return (
    <section aria-labelledby={`mirror-${slug}`} class="mirror">
      <h3 id={`mirror-${slug}`}>On this server</h3>
      <p>
        {formatNumber(mirror.files)} files ({bytes(mirror.bytes)}) indexed{mirror.indexed_at ? ` on ${mirror.indexed_at.slice(0, 10)}` : ''}.
        {' '}{mirror.failed > 0 ? `${formatNumber(mirror.failed)} could not be read.` : 'Every file could be read.'}
      </p>
      {mirror.failed > 0 && (
        <details>
          <summary>Files that could not be read{mirror.failed > mirror.failures.length ? ` (first ${mirror.failures.length})` : ''}</summary>
          <ul class="failures">{mirror.failures.map((f) => <li key={f.path}><code>{f.path}</code>: {f.error}</li>)}</ul>
        </details>
      )}
      <div class="counts-grid">
        <Counts caption="By kind" counts={s?.by_kind} />
        <Counts caption="By format" counts={s?.by_format} />
        <Counts caption="By label" counts={s?.by_label} />
        <Counts caption="By split" counts={s?.by_split} />
      </div>
    </section>
  );
}
