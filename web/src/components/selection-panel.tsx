import { useEffect, useRef } from 'preact/hooks';
import type { Selection } from '../api/client.js';
import { formatNumber } from '../lib/vocab.js';
import { Command, formatBytes, SourceHint } from './download-options.js';
import { ErrorState, Loading } from './states.js';

/**
 * What a selection offers: one ZIP of the mirrored datasets, a manifest, aria2 input,
 * a verifying download script and the merged citations; and, honestly, which datasets
 * are not on this server and where to get them instead.
 */
export function SelectionPanel({ selection, pending, error, title, onRetry, onClose }: {
  selection: Selection | undefined;
  /** The datasets being selected, listed while the server makes the selection. */
  pending?: { slug: string; name: string }[];
  error?: Error;
  title: string;
  onRetry?: () => void;
  onClose?: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => { heading.current?.focus(); }, [selection?.id]);
  const origin = location.origin;
  const mirrored = selection?.datasets.filter((d) => d.mirrored) ?? [];
  const elsewhere = selection?.datasets.filter((d) => !d.mirrored) ?? [];
  const bytes = mirrored.reduce((s, d) => s + (d.bytes ?? 0), 0);
  const files = mirrored.reduce((s, d) => s + (d.files ?? 0), 0);
  const u = selection?.urls;
  return (
    <div class="selection" role="region" aria-labelledby="sel-title">
      <h2 id="sel-title" ref={heading} tabIndex={-1}>{title}{selection ? ` (${selection.datasets.length})` : ''}</h2>
      {error ? <ErrorState error={error} onRetry={onRetry} /> : !selection || !u ? (
        <>
          <Loading label="Preparing the download…" />
          {pending && <ul class="dl-list">{pending.map((d) => <li key={d.slug}><a href={`/datasets/${d.slug}`}>{d.name}</a></li>)}</ul>}
        </>
      ) : (
        <>
          {mirrored.length > 0 ? (
            <>
              <p>{mirrored.length} of these datasets {mirrored.length === 1 ? 'is' : 'are'} mirrored on this server: {formatNumber(files)} files, {formatBytes(bytes)}. Every file can be checked against its SHA-256; every download can be resumed.</p>
              <div class="dl-links">
                <p><a class="button primary" href={u.archive} download>ZIP of the mirrored datasets ({formatBytes(bytes)})</a></p>
                <p><a href={u.manifest} download>manifest.tsv</a> <span class="muted">URL, path, size and SHA-256 of every file</span></p>
                <p><a href={u.aria2} download>aria2 input</a> <span class="muted">for <code>aria2c -i</code>, with checksums</span></p>
                <p><a href={u.script} download>download.sh</a> <span class="muted">downloads with curl, resumes, verifies every SHA-256 and reports what failed</span></p>
                <p><a href={u.citations} download>citations.bib</a> <span class="muted">the citations of every selected dataset</span></p>
              </div>
              <p class="small">Run the script in the folder where the data should go:</p>
              <Command cmd={`curl -fsSL ${origin}${u.script} | sh`} />
              <p class="small">Or with the MedImg command line (parallel, resumable, verified):</p>
              <Command cmd={`npx medimg download ${selection.id} --out ./data --server ${origin}`} />
              <h3>Mirrored here ({mirrored.length})</h3>
              <ul class="dl-list">
                {mirrored.map((d) => (
                  <li key={d.slug}><a href={`/datasets/${d.slug}`}>{d.name}</a>{' '}
                    <span class="muted">{formatNumber(d.files ?? 0)} files, {formatBytes(d.bytes ?? 0)}</span></li>
                ))}
              </ul>
            </>
          ) : (
            <>
              <p><strong>None of these datasets is mirrored on this server</strong>, so there is no archive to download here: each one downloads from its source, listed below. Check each licence before use.</p>
              <div class="dl-links">
                <p><a href={u.script} download>download.sh</a> <span class="muted">prints where and how to get each dataset</span></p>
                <p><a href={u.citations} download>citations.bib</a> <span class="muted">the citations of every selected dataset</span></p>
              </div>
            </>
          )}
          {elsewhere.length > 0 && (
            <>
              <h3>Not mirrored on this server ({elsewhere.length}): get them from their source</h3>
              <ul class="dl-list">
                {elsewhere.map((d) => (
                  <li key={d.slug}><a href={`/datasets/${d.slug}`}>{d.name}</a>
                    <div><SourceHint url={d.source_url} command={d.source_command} /></div></li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      {onClose && <button type="button" onClick={onClose}>Close</button>}
    </div>
  );
}
