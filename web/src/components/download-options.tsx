import { api, type Card, type MirrorInfo } from '../api/client.js';
import { sourceCommand } from '../lib/source-commands.js';
import type { LabelFn } from '../lib/vocab.js';
import { CopyButton } from './copy-button.js';

export const formatBytes = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;

/** A shell command shown as code, with a copy button. */
export function Command({ cmd, label = 'Copy command' }: { cmd: string; label?: string }) {
  return (
    <div class="cmd-row">
      <code class="cmd">{cmd}</code>
      <CopyButton label={label} getText={() => cmd} />
    </div>
  );
}

/** Where and how to get a dataset this server does not hold, said honestly. */
export function SourceHint({ url, platform, command }: { url: string | null; platform?: string; command?: string | null }) {
  const cmd = command ?? (url ? sourceCommand(url) : null);
  return (
    <>
      {url ? <a href={url} rel="noopener noreferrer" target="_blank">{platform ? `Get it from ${platform}` : url}</a> : <span class="muted">no source link recorded</span>}
      {cmd && <Command cmd={cmd} />}
    </>
  );
}

/**
 * The download section of a dataset page: the archive and manifest when this server
 * mirrors the files, otherwise where and how to get them from the source.
 */
export function DownloadOptions({ card, label }: { card: Card & { mirror?: MirrorInfo | null }; label: LabelFn }) {
  const origin = typeof location === 'undefined' ? '' : location.origin;
  const m = card.mirror;
  return (
    <section aria-labelledby={`download-${card.slug}`} class="download-options">
      <h2 id={`download-${card.slug}`}>Download</h2>
      {m && m.files > 0 ? (
        <>
          <p>This server mirrors {m.files.toLocaleString('en-US')} files ({formatBytes(m.bytes)}) of this dataset. Every download can be resumed and checked against the SHA-256 in the manifest. Check the licence above before use.</p>
          <div class="dl-links">
            <p><a class="button primary" href={api.archiveUrl(card.slug)} download={`${card.slug}.zip`}>Download ZIP ({formatBytes(m.bytes)})</a>{' '}
              <span class="muted">files stored as they are, with MANIFEST.tsv, CITATION.bib, LICENSE.txt and croissant.json</span></p>
            <p><a href={api.manifestUrl(card.slug)} download={`${card.slug}-manifest.tsv`}>manifest.tsv</a>{' '}
              <span class="muted">URL, path, size and SHA-256 of every file</span></p>
          </div>
          <p class="small">Resume an interrupted ZIP with <code>curl -C -</code> or <code>wget -c</code>:</p>
          <Command cmd={`curl -fL -C - -o ${card.slug}.zip ${origin}${api.archiveUrl(card.slug)}`} />
          <p class="small">Or fetch the files in parallel, resumable and verified, with the MedImg command line:</p>
          <Command cmd={`npx medimg download ${card.slug} --out ./data --server ${origin}`} />
        </>
      ) : (
        <>
          <p><strong>This server does not hold the files of this dataset.</strong> Download them from the source ({label('platform', card.source.platform)}), after accepting its terms and licence.</p>
          <div><SourceHint url={card.source.url} platform={label('platform', card.source.platform)} /></div>
        </>
      )}
    </section>
  );
}
