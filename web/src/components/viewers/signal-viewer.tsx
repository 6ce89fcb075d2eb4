import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type SignalData } from '../../api/client.js';
import { useAsync } from '../../lib/use-async.js';
import { ErrorState, Loading } from '../states.js';
import { NoPreview, type ViewerProps } from './index.js';

const POINTS = 1000;
const W = 1000;
const H = 100;
const DEFAULT_SPAN = 10;
const STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

const fmt = (t: number) => (t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2));

/** One lead as a min/max trace: for every point, down to its minimum and up to its maximum. */
function tracePath(lead: SignalData['leads'][number], data: SignalData, t0: number, span: number): { d: string; lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < lead.min.length; i++) { lo = Math.min(lo, lead.min[i]!); hi = Math.max(hi, lead.max[i]!); }
  if (!Number.isFinite(lo)) return { d: '', lo: 0, hi: 0 };
  const pad = hi > lo ? (hi - lo) * 0.08 : 1;
  const y0 = lo - pad;
  const y1 = hi + pad;
  const y = (v: number) => (H - ((v - y0) / (y1 - y0)) * H).toFixed(1);
  const parts: string[] = [];
  for (let i = 0; i < lead.min.length; i++) {
    const x = (((data.start + (i + 0.5) * data.step) - t0) / span * W).toFixed(1);
    parts.push(`${i === 0 ? 'M' : 'L'}${x} ${y(lead.min[i]!)}`);
    if (lead.max[i] !== lead.min[i]) parts.push(`L${x} ${y(lead.max[i]!)}`);
  }
  return { d: parts.join(''), lo, hi };
}

function Plot({ id, duration, leadNames }: { id: number; duration: number; leadNames: string[] }) {
  const [span, setSpan] = useState(Math.min(duration, DEFAULT_SPAN));
  const [t0, setT0] = useState(0);
  const maxStart = Math.max(0, duration - span);
  const start = Math.min(t0, maxStart);
  const end = Math.min(duration, start + span);
  const data = useAsync((signal) => api.signal(id, { start, end, points: POINTS }, signal), [id, start, end]);
  const area = useRef<HTMLDivElement>(null);
  const drag = useRef<number | null>(null);

  const scroll = (dt: number) => setT0(Math.max(0, Math.min(maxStart, start + dt)));
  const zoom = (f: number) => {
    const s = Math.max(Math.min(duration, 0.05), Math.min(duration, span * f));
    const centre = start + span / 2;
    setSpan(s);
    setT0(Math.max(0, Math.min(duration - s, centre - s / 2)));
  };

  useEffect(() => {
    const el = area.current;
    if (!el) return;
    // Ctrl+wheel zooms, horizontal (or Shift+) wheel scrolls time; a plain wheel still scrolls the page.
    const onWheel = (e: WheelEvent) => {
      if (e.ctrlKey) { e.preventDefault(); zoom(e.deltaY > 0 ? 1.25 : 0.8); } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        scroll(((e.shiftKey ? e.deltaY : e.deltaX) > 0 ? 0.1 : -0.1) * span);
      }
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  });

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight') scroll(span / 10);
    else if (e.key === 'ArrowLeft') scroll(-span / 10);
    else if (e.key === '+' || e.key === '=') zoom(0.5);
    else if (e.key === '-') zoom(2);
    else if (e.key === 'Home') setT0(0);
    else if (e.key === 'End') setT0(maxStart);
    else return;
    e.preventDefault();
  };

  // Fewer time labels on a phone, so that they do not run into each other.
  const maxTicks = window.innerWidth < 640 ? 5 : 10;
  const tick = STEPS.find((s) => span / s <= maxTicks) ?? STEPS[STEPS.length - 1]!;
  const tickText = (t: number) => t.toFixed(Math.max(0, -Math.floor(Math.log10(tick) + 1e-9)));
  const ticks: number[] = [];
  for (let t = Math.ceil(start / tick) * tick; t <= end + 1e-9; t += tick) ticks.push(t);
  const d = data.data;
  const names = d ? d.leads.map((l) => l.name) : leadNames;
  const sliderId = `sig-${id}-start`;

  return (
    <div class="viewer signal-viewer">
      <div class="viewer-toolbar">
        <div role="group" aria-label="Time" class="zoom-buttons">
          <button type="button" onClick={() => scroll(-span / 2)} disabled={start <= 0} aria-label={`Earlier by ${fmt(span / 2)} s`}>◀ Earlier</button>
          <button type="button" onClick={() => scroll(span / 2)} disabled={start >= maxStart} aria-label={`Later by ${fmt(span / 2)} s`}>Later ▶</button>
          <button type="button" onClick={() => zoom(0.5)} disabled={span <= Math.min(duration, 0.05)} aria-label="Zoom in: show half the time">+</button>
          <button type="button" onClick={() => zoom(2)} disabled={span >= duration} aria-label="Zoom out: show twice the time">−</button>
        </div>
        <div class="slice-slider">
          <label for={sliderId}>Start</label>
          <input id={sliderId} type="range" min={0} max={maxStart} step={Math.max(maxStart / 200, 0.001)} value={start} disabled={maxStart <= 0}
            aria-valuetext={`${fmt(start)} seconds`} onInput={(e) => setT0(Number((e.target as HTMLInputElement).value))} />
          <output for={sliderId} class="slice-pos">{fmt(start)}–{fmt(end)} s of {fmt(duration)} s</output>
        </div>
      </div>
      {data.error && <ErrorState error={data.error} onRetry={data.retry} />}
      <div ref={area} class={`signal-area${data.loading ? ' loading' : ''}`} tabIndex={0} role="group" onKeyDown={onKey}
        aria-label={`${names.length} leads (${names.join(', ')}) from ${fmt(start)} to ${fmt(end)} seconds. Arrow keys scroll time, + and − zoom.`}
        onPointerDown={(e) => { drag.current = e.clientX; (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId); }}
        onPointerMove={(e) => {
          if (drag.current === null || !area.current) return;
          const dx = e.clientX - drag.current;
          if (Math.abs(dx) < 4) return;
          drag.current = e.clientX;
          scroll((-dx / Math.max(1, area.current.clientWidth - 64)) * span);
        }}
        onPointerUp={() => { drag.current = null; }} onPointerCancel={() => { drag.current = null; }}>
        {!d ? <Loading label="Reading the signal…" /> : (
          <ul class="leads">
            {d.leads.map((lead) => {
              const tr = tracePath(lead, d, start, end - start || 1);
              return (
                <li key={lead.name} class="lead-row">
                  <span class="lead-name">{lead.name}{lead.unit && <span class="lead-unit"> {lead.unit}</span>}</span>
                  <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true" class="lead-plot">
                    {ticks.map((t) => { const x = ((t - start) / (end - start || 1)) * W; return <line key={t} x1={x} x2={x} y1={0} y2={H} class="grid" />; })}
                    <path d={tr.d} class="trace" />
                  </svg>
                  <span class="lead-range" aria-hidden="true">{Number(tr.hi.toPrecision(3))}<br />{Number(tr.lo.toPrecision(3))}</span>
                </li>
              );
            })}
          </ul>
        )}
        <div class="time-axis" aria-hidden="true">
          {ticks.map((t) => <span key={t} style={{ left: `${((t - start) / (end - start || 1)) * 100}%` }}>{tickText(t)}</span>)}
        </div>
      </div>
      <p class="muted small">{d ? `${d.leads.length} leads at ${d.sample_rate} Hz; ${d.points} points per lead shown (min/max of each interval).` : ''} Time in seconds.</p>
    </div>
  );
}

export default function SignalViewer({ file }: ViewerProps) {
  const overview = useAsync((signal) => api.signal(file.id, { points: 10 }, signal), [file.id]);
  if (overview.error) return <><ErrorState error={overview.error} onRetry={overview.retry} /><NoPreview file={file} /></>;
  if (!overview.data) return <Loading label="Reading the signal…" />;
  if (!(overview.data.duration > 0) || overview.data.leads.length === 0) return <NoPreview file={file} reason="The signal is empty." />;
  return <Plot id={file.id} duration={overview.data.duration} leadNames={overview.data.leads.map((l) => l.name)} />;
}
