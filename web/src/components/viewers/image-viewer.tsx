import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { MaskControls, WindowControls, type WL } from './controls.js';
import type { ViewerProps } from './index.js';

interface View { s: number; tx: number; ty: number }
const MASK_RGB = [230, 25, 75] as const;
const MAX_ZOOM = 32;

/** Paints the non-zero pixels of a mask image in one colour on a transparent canvas. */
function paintMask(canvas: HTMLCanvasElement, img: HTMLImageElement) {
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const px = data.data;
  for (let i = 0; i < px.length; i += 4) {
    const on = px[i]! + px[i + 1]! + px[i + 2]! > 0 && px[i + 3]! > 0;
    px[i] = MASK_RGB[0]; px[i + 1] = MASK_RGB[1]; px[i + 2] = MASK_RGB[2]; px[i + 3] = on ? 255 : 0;
  }
  ctx.putImageData(data, 0, 0);
}

export default function ImageViewer({ file }: ViewerProps) {
  const bits = Number((file.meta as { bitDepth?: number } | null)?.bitDepth ?? 8);
  const wide = bits > 8 || file.format === 'dicom';
  // A label mask (values 0, 1, 2...) would look black with an automatic window: show every label as white.
  const [wl, setWl] = useState<WL | null>(file.role === 'mask' ? { window: 1, level: 0.5 } : null);
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const maskId = file.role === 'image' ? file.pair_id : null;
  const [maskOn, setMaskOn] = useState(maskId !== null);
  const [opacity, setOpacity] = useState(0.5);
  const box = useRef<HTMLDivElement>(null);
  const maskCanvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const src = api.imageUrl(file.id, wl ?? undefined);

  const fit = (n = natural): View | null => {
    const el = box.current;
    if (!el || !n) return null;
    const s = Math.min(el.clientWidth / n.w, el.clientHeight / n.h);
    return { s, tx: (el.clientWidth - n.w * s) / 2, ty: (el.clientHeight - n.h * s) / 2 };
  };
  const zoomAt = (f: number, px?: number, py?: number) => setView((v) => {
    const el = box.current;
    if (!v || !el) return v;
    const base = fit()?.s ?? v.s;
    const s = Math.max(base / 4, Math.min(base * MAX_ZOOM, v.s * f));
    const k = s / v.s;
    const x = px ?? el.clientWidth / 2;
    const y = py ?? el.clientHeight / 2;
    return { s, tx: x - (x - v.tx) * k, ty: y - (y - v.ty) * k };
  });
  const pan = (dx: number, dy: number) => setView((v) => (v ? { ...v, tx: v.tx + dx, ty: v.ty + dy } : v));

  useLayoutEffect(() => { if (natural) setView(fit()); }, [natural]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    const onResize = () => setView(fit());
    window.addEventListener('resize', onResize);
    return () => { el.removeEventListener('wheel', onWheel); window.removeEventListener('resize', onResize); };
  }, [natural]);

  // The mask is rendered by the server with window 1 / level 0.5, so every non-zero label is white.
  useEffect(() => {
    if (maskId === null || !maskOn) return;
    const img = new Image();
    img.onload = () => { if (maskCanvas.current) paintMask(maskCanvas.current, img); };
    img.src = api.imageUrl(maskId, { window: 1, level: 0.5 });
    return () => { img.onload = null; };
  }, [maskId, maskOn]);

  const onKey = (e: KeyboardEvent) => {
    const k = e.key;
    if (k === '+' || k === '=') zoomAt(1.25);
    else if (k === '-') zoomAt(0.8);
    else if (k === '0') setView(fit());
    else if (k.startsWith('Arrow')) pan(k === 'ArrowLeft' ? 40 : k === 'ArrowRight' ? -40 : 0, k === 'ArrowUp' ? 40 : k === 'ArrowDown' ? -40 : 0);
    else return;
    e.preventDefault();
  };
  const zoomPct = view && natural ? Math.round(view.s * 100) : null;
  const stage = view && natural ? { width: `${natural.w}px`, height: `${natural.h}px`, transform: `translate(${view.tx}px, ${view.ty}px) scale(${view.s})` } : { visibility: 'hidden' as const };

  return (
    <div class="viewer image-viewer">
      <div class="viewer-toolbar">
        <div role="group" aria-label="Zoom" class="zoom-buttons">
          <button type="button" onClick={() => zoomAt(1.25)} aria-label="Zoom in">+</button>
          <button type="button" onClick={() => zoomAt(0.8)} aria-label="Zoom out">−</button>
          <button type="button" onClick={() => setView(fit())}>Fit</button>
          <button type="button" onClick={() => natural && zoomAt(1 / (view?.s ?? 1))}>1:1</button>
        </div>
        <span class="muted small" aria-live="polite">{zoomPct !== null ? `${zoomPct} %` : ''}{natural ? ` · ${natural.w} × ${natural.h} px shown` : ''}</span>
      </div>
      <div ref={box} class="image-viewport" tabIndex={0} role="group" onKeyDown={onKey}
        aria-label="Image. Drag or arrow keys to pan, mouse wheel or + and − to zoom, 0 to fit."
        onPointerDown={(e) => { drag.current = { x: e.clientX, y: e.clientY }; (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId); }}
        onPointerMove={(e) => { const d = drag.current; if (!d) return; pan(e.clientX - d.x, e.clientY - d.y); drag.current = { x: e.clientX, y: e.clientY }; }}
        onPointerUp={() => { drag.current = null; }} onPointerCancel={() => { drag.current = null; }}>
        <div class="image-stage" style={stage}>
          <img src={src} alt={`Preview of ${file.path}`} draggable={false} class={view && view.s >= 2 ? 'pixelated' : ''}
            onLoad={(e) => { const i = e.currentTarget as HTMLImageElement; setFailed(null); if (!natural || natural.w !== i.naturalWidth || natural.h !== i.naturalHeight) setNatural({ w: i.naturalWidth, h: i.naturalHeight }); }}
            onError={() => void api.probe(src).then((e) => setFailed(e?.message ?? 'The image could not be shown.'))} />
          {maskId !== null && maskOn && <canvas ref={maskCanvas} class="mask-canvas" style={{ opacity }} aria-hidden="true" />}
        </div>
      </div>
      {failed && <p class="state state-error" role="alert">{failed} <a href={api.rawUrl(file.id)} download>Download the file</a></p>}
      <div class="viewer-controls">
        {wide && (
          <WindowControls idPrefix={`img-${file.id}`} value={wl} fallback={{ window: 2 ** Math.min(bits, 16), level: 2 ** Math.min(bits, 16) / 2 }}
            onChange={setWl} onReset={() => setWl(null)} resetLabel="Auto window" />
        )}
        {maskId !== null && <MaskControls idPrefix={`img-${file.id}`} on={maskOn} opacity={opacity} onToggle={setMaskOn} onOpacity={setOpacity} />}
      </div>
      {wide && <p class="muted small">{bits}-bit image: the server maps it to the screen with {wl ? `window ${wl.window}, level ${wl.level}` : 'an automatic window'}.</p>}
    </div>
  );
}
