import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Plane, type VolumeInfo } from '../../api/client.js';
import { useAsync } from '../../lib/use-async.js';
import { ErrorState, Loading } from '../states.js';
import { MaskControls, WindowControls, type WL } from './controls.js';
import { NoPreview, type ViewerProps } from './index.js';

const PLANES: { id: Plane; label: string }[] = [{ id: 'axial', label: 'Axial' }, { id: 'coronal', label: 'Coronal' }, { id: 'sagittal', label: 'Sagittal' }];
const PREFETCH = 2;

const mid = (n: number) => Math.floor(n / 2);

function Volume({ info }: { info: VolumeInfo }) {
  const id = info.file_id;
  const [plane, setPlane] = useState<Plane>('axial');
  const [indices, setIndices] = useState<Record<Plane, number>>({
    axial: mid(info.planes.axial.slices), coronal: mid(info.planes.coronal.slices), sagittal: mid(info.planes.sagittal.slices),
  });
  const [wl, setWl] = useState<WL>(info.default_window);
  const [maskOn, setMaskOn] = useState(info.mask_id !== null);
  const [opacity, setOpacity] = useState(0.5);
  const [failed, setFailed] = useState<string | null>(null);
  const viewport = useRef<HTMLDivElement>(null);
  const p = info.planes[plane];
  const index = Math.min(indices[plane], p.slices - 1);
  const setIndex = (i: number) => setIndices((s) => ({ ...s, [plane]: Math.max(0, Math.min(p.slices - 1, i)) }));
  const url = (i: number) => (info.is_mask ? api.sliceUrl(id, { plane, index: i, mask: true }) : api.sliceUrl(id, { plane, index: i, ...wl }));

  // Neighbouring slices are fetched ahead, so scrolling shows them from the cache.
  useEffect(() => {
    const imgs: HTMLImageElement[] = [];
    for (let d = -PREFETCH; d <= PREFETCH; d++) {
      const i = index + d;
      if (d === 0 || i < 0 || i >= p.slices) continue;
      const img = new Image();
      img.src = url(i);
      imgs.push(img);
    }
    return () => imgs.forEach((img) => { img.src = ''; });
  }, [plane, index, wl.window, wl.level]);

  // A non-passive wheel listener, so that scrolling the slice does not also scroll the page.
  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY === 0) return;
      e.preventDefault();
      setIndices((s) => ({ ...s, [plane]: Math.max(0, Math.min(p.slices - 1, s[plane] + (e.deltaY > 0 ? 1 : -1))) }));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [plane, p.slices]);

  const onKey = (e: KeyboardEvent) => {
    const step = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1, PageUp: 10, PageDown: -10 }[e.key];
    if (step !== undefined) { e.preventDefault(); setIndex(index + step); }
    else if (e.key === 'Home') { e.preventDefault(); setIndex(0); }
    else if (e.key === 'End') { e.preventDefault(); setIndex(p.slices - 1); }
  };

  const sliderId = `vol-${id}-slice`;
  return (
    <div class="viewer volume-viewer">
      <div class="viewer-toolbar">
        <div class="plane-buttons" role="group" aria-label="Plane">
          {PLANES.map((x) => (
            <button key={x.id} type="button" aria-pressed={plane === x.id} onClick={() => { setPlane(x.id); setFailed(null); }}>
              {x.label} <span class="count">{info.planes[x.id].slices}</span>
            </button>
          ))}
        </div>
        <div class="slice-slider">
          <label for={sliderId}>Slice</label>
          <input id={sliderId} type="range" min={0} max={Math.max(0, p.slices - 1)} value={index} disabled={p.slices <= 1} aria-valuetext={`${index + 1} of ${p.slices}`}
            onInput={(e) => setIndex(Number((e.target as HTMLInputElement).value))} />
          <output for={sliderId} class="slice-pos">{index + 1} / {p.slices}</output>
        </div>
      </div>
      <div class="volume-frame">
        <div ref={viewport} class="volume-viewport" tabIndex={0} role="group" onKeyDown={onKey}
          aria-label={`${plane} slice ${index + 1} of ${p.slices}. Arrow keys, Page Up, Page Down or the mouse wheel change the slice.`}
          style={{ aspectRatio: String(p.aspect), width: `min(100%, calc(min(70vh, 640px) * ${p.aspect}))` }}>
          <img class="slice-img" src={url(index)} alt={`${plane} slice ${index + 1} of ${p.slices}`} draggable={false}
            onError={() => void api.probe(url(index)).then((e) => setFailed(e?.message ?? 'The slice could not be shown.'))}
            onLoad={() => setFailed(null)} />
          {info.mask_id !== null && maskOn && !info.is_mask && (
            <img class="mask-img" src={api.sliceUrl(info.mask_id, { plane, index, mask: true })} alt="" style={{ opacity }} draggable={false} />
          )}
        </div>
      </div>
      {failed && <p class="state state-error" role="alert">{failed}</p>}
      <div class="viewer-controls">
        {!info.is_mask && (
          <WindowControls idPrefix={`vol-${id}`} value={wl} onChange={setWl} presets={info.ct ? info.presets : []}
            onReset={() => setWl(info.default_window)} />
        )}
        {info.mask_id !== null && !info.is_mask && (
          <MaskControls idPrefix={`vol-${id}`} on={maskOn} opacity={opacity} onToggle={setMaskOn} onOpacity={setOpacity} />
        )}
      </div>
      <p class="muted small">
        {info.dims.join(' × ')} voxels, spacing {info.spacing.map((s) => Number(s.toPrecision(3))).join(' × ')} mm
        {info.series_uid ? `, DICOM series of ${info.file_ids.length} ${info.file_ids.length === 1 ? 'file' : 'files'}` : ''}. Orientation: {info.orientation}
        {info.orientation_known ? '' : ' (orientation not recorded in the file: shown in stored order)'}
      </p>
    </div>
  );
}

export default function VolumeViewer({ file }: ViewerProps) {
  const info = useAsync((signal) => api.volume(file.id, signal), [file.id]);
  if (info.error) return <><ErrorState error={info.error} onRetry={info.retry} /><NoPreview file={file} /></>;
  if (!info.data) return <Loading label="Reading the volume…" />;
  return <Volume key={info.data.file_id} info={info.data} />;
}
