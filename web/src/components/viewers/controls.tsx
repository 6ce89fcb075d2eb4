import { useEffect, useState } from 'preact/hooks';

/** A labelled number input that reports its value when committed (Enter, blur, spinner); empty shows `placeholder`. */
function NumberField({ id, label, value, onCommit, min, placeholder }: { id: string; label: string; value: number | undefined; onCommit: (v: number) => void; min?: number; placeholder?: string }) {
  const shown = value === undefined ? '' : String(round(value));
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  return (
    <span class="num-field">
      <label for={id}>{label}</label>
      <input id={id} type="number" inputMode="decimal" value={text} min={min} step="any" placeholder={placeholder}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onChange={(e) => {
          const raw = (e.target as HTMLInputElement).value;
          const v = Number(raw);
          if (raw !== '' && Number.isFinite(v) && (min === undefined || v >= min)) onCommit(v);
          else setText(shown);
        }} />
    </span>
  );
}

const round = (v: number) => Math.round(v * 100) / 100;

export interface WL { window: number; level: number }

/**
 * Window (width) and level (centre) inputs, with optional presets and a reset. A null value means the
 * server's automatic window: the inputs are empty, and the first one typed takes the other from `fallback`.
 */
export function WindowControls({ idPrefix, value, fallback, onChange, presets = [], onReset, resetLabel = 'Default' }: {
  idPrefix: string;
  value: WL | null;
  fallback?: WL;
  onChange: (v: WL) => void;
  presets?: { name: string; label: string; window: number; level: number }[];
  onReset?: () => void;
  resetLabel?: string;
}) {
  return (
    <div class="window-controls" role="group" aria-label="Window and level">
      <NumberField id={`${idPrefix}-window`} label="Window" value={value?.window} min={0.001} placeholder="auto"
        onCommit={(window) => onChange({ level: value?.level ?? fallback?.level ?? 0, window })} />
      <NumberField id={`${idPrefix}-level`} label="Level" value={value?.level} placeholder="auto"
        onCommit={(level) => onChange({ window: value?.window ?? fallback?.window ?? 1, level })} />
      {presets.length > 0 && (
        <span class="presets" role="group" aria-label="CT window presets">
          {presets.map((p) => (
            <button key={p.name} type="button" aria-pressed={value?.window === p.window && value.level === p.level}
              title={`Window ${p.window}, level ${p.level}`} onClick={() => onChange({ window: p.window, level: p.level })}>{p.label}</button>
          ))}
        </span>
      )}
      {onReset && <button type="button" onClick={onReset}>{resetLabel}</button>}
    </div>
  );
}

/** Mask overlay toggle with an opacity slider. */
export function MaskControls({ idPrefix, on, opacity, onToggle, onOpacity }: { idPrefix: string; on: boolean; opacity: number; onToggle: (on: boolean) => void; onOpacity: (v: number) => void }) {
  return (
    <div class="mask-controls" role="group" aria-label="Mask overlay">
      <label class="check"><input type="checkbox" checked={on} onChange={(e) => onToggle((e.target as HTMLInputElement).checked)} /> Show mask</label>
      <label for={`${idPrefix}-opacity`}>Opacity</label>
      <input id={`${idPrefix}-opacity`} type="range" min={0} max={100} step={5} value={Math.round(opacity * 100)} disabled={!on}
        aria-valuetext={`${Math.round(opacity * 100)} %`} onInput={(e) => onOpacity(Number((e.target as HTMLInputElement).value) / 100)} />
    </div>
  );
}
