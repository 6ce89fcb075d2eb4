import { api, type Card, type MirrorInfo } from '../api/client.js';
import { formatNumber, type LabelFn } from '../lib/vocab.js';
import { CopyButton } from './copy-button.js';
import { DemoBanner } from './demo-banner.js';
import { lazyComponent } from './viewers/lazy.js';

const MirrorPanel = lazyComponent(() => import('./mirror-section.js'), 'Loading the mirrored files…');

const COMMERCIAL: Record<string, string> = { yes: 'commercial use allowed', no: 'non-commercial use only', unknown: 'commercial use not stated' };

function Field({ term, children }: { term: string; children: preact.ComponentChildren }) {
  return <div class="field"><dt>{term}</dt><dd>{children}</dd></div>;
}

const orUnknown = (v: preact.ComponentChildren | null | undefined) => (v === null || v === undefined || v === '' ? <span class="muted">not stated</span> : v);

/** Every detail of a card, as text (catalog text is never rendered as HTML). */
export function DatasetDetails({ card, label, headingLevel = 1 }: { card: Card & { mirror?: MirrorInfo | null }; label: LabelFn; headingLevel?: 1 | 2 }) {
  const H = headingLevel === 1 ? 'h1' : 'h2';
  const list = (vocab: string, codes: readonly string[] | null | undefined) =>
    codes?.length ? codes.map((c) => label(vocab, c)).join(', ') : null;
  return (
    <article class="dataset" aria-labelledby={`title-${card.slug}`}>
      <H id={`title-${card.slug}`} tabIndex={-1}>{card.name}</H>
      {card.demo && <DemoBanner />}
      {card.aliases?.length ? <p class="muted">Also known as: {card.aliases.join('; ')}</p> : null}
      <p class="lead">{card.description}</p>

      <dl class="fields">
        <Field term="Data type">{label('data_type', card.data_type)}</Field>
        <Field term="Modality">{list('modality', card.modalities)}</Field>
        <Field term="Organ">{list('organ', card.organs)}</Field>
        <Field term="Task">{orUnknown(list('task', card.tasks))}</Field>
        <Field term="Formats">{orUnknown(card.formats?.length ? card.formats.map((f) => `.${f}`).join(', ') : null)}</Field>
        <Field term="Sample size">{orUnknown(card.file_count != null ? `${formatNumber(card.file_count)} ${card.file_count_unit ?? ''}`.trim() : null)}</Field>
        <Field term="Subjects">{orUnknown(card.subjects != null ? formatNumber(card.subjects) : null)}</Field>
        <Field term="Annotation">
          {card.labelled == null ? <span class="muted">not stated</span> : card.labelled ? 'Labelled' : 'Unlabelled'}
          {card.annotation ? <>: {card.annotation}</> : null}
        </Field>
        <Field term="Year">{orUnknown(card.year)}</Field>
        <Field term="Source">
          {label('platform', card.source.platform)}: <a href={card.source.url} rel="noopener noreferrer" target="_blank">{card.source.url}</a>
        </Field>
        <Field term="Licence">
          {card.license ? (
            <>
              {card.license.url
                ? <a href={card.license.url} rel="noopener noreferrer" target="_blank">{card.license.id ?? card.license.name}</a>
                : (card.license.id ?? card.license.name)}
              {card.license.id && card.license.name && card.license.name !== card.license.id ? ` (${card.license.name})` : ''}
              {' — '}{COMMERCIAL[card.license.commercial_use]}
            </>
          ) : <span class="muted">not verified: check the source before use</span>}
        </Field>
        <Field term="Last updated upstream">{orUnknown(card.upstream_updated)}</Field>
      </dl>

      <section aria-labelledby={`cite-${card.slug}`}>
        <h3 id={`cite-${card.slug}`}>Citation</h3>
        {card.citation ? (
          <>
            <p class="citation">{card.citation.text}
              {card.citation.doi && <> <a href={`https://doi.org/${card.citation.doi}`} rel="noopener noreferrer" target="_blank">doi:{card.citation.doi}</a></>}
            </p>
            <p class="actions">
              <CopyButton label="Copy citation" getText={() => card.citation?.text ?? ''} />
              <CopyButton label="Copy BibTeX" getText={() => api.bibtex(card.slug)} />
              <a href={api.bibtexUrl(card.slug)} download={`${card.slug}.bib`}>BibTeX file</a>
              <a href={api.croissantUrl(card.slug)}>Croissant metadata</a>
            </p>
          </>
        ) : (
          <p class="muted">No published citation was verified for this dataset. <a href={api.bibtexUrl(card.slug)} download={`${card.slug}.bib`}>BibTeX of the dataset itself</a></p>
        )}
      </section>

      <section aria-labelledby={`code-${card.slug}`}>
        <h3 id={`code-${card.slug}`}>Related open-source code</h3>
        {card.related_code?.length ? (
          <ul>{card.related_code.map((c) => <li key={c.url}><a href={c.url} rel="noopener noreferrer" target="_blank">{c.name}</a></li>)}</ul>
        ) : <p class="muted">None recorded yet.</p>}
      </section>

      {card.mirror ? <MirrorPanel slug={card.slug} mirror={card.mirror} /> : (
        <section aria-labelledby={`samples-${card.slug}`}>
          <h3 id={`samples-${card.slug}`}>Representative samples</h3>
          <p class="muted">This server holds no mirror of this dataset, so there are no samples to preview. Get the data from its source above.</p>
        </section>
      )}

      <details class="provenance">
        <summary>Where these facts were read</summary>
        <ul>{card.fact_sources.map((f, i) => (
          <li key={i}><span class="muted">{f.fields.join(', ')}:</span> {/^https?:\/\//.test(f.source)
            ? <a href={f.source} rel="noopener noreferrer" target="_blank">{f.source}</a> : f.source}{f.note ? ` (${f.note})` : ''}</li>
        ))}</ul>
      </details>
    </article>
  );
}
