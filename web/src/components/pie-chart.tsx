export interface Slice {
  value: string;
  label: string;
  count: number;
}

const COLORS = ['#135e96', '#d9822b', '#2e8540', '#b8336a', '#6f42c1', '#0f7c8c', '#8a6d3b', '#c0392b', '#4b6584', '#7d8f00', '#9e4770', '#3c6e71', '#888888'];
export const colorAt = (i: number) => COLORS[i % COLORS.length]!;

function arc(cx: number, cy: number, r: number, a0: number, a1: number): string {
  const p = (a: number) => `${(cx + r * Math.sin(a)).toFixed(2)} ${(cy - r * Math.cos(a)).toFixed(2)}`;
  if (a1 - a0 >= Math.PI * 2 - 1e-9) return `M ${cx} ${cy - r} A ${r} ${r} 0 1 1 ${cx - 0.01} ${cy - r} Z`;
  return `M ${cx} ${cy} L ${p(a0)} A ${r} ${r} 0 ${a1 - a0 > Math.PI ? 1 : 0} 1 ${p(a1)} Z`;
}

/**
 * A clickable pie: a click (or Enter/Space on a focused slice or legend entry)
 * calls onSelect. The legend lists every value with its count, so the chart has
 * a text equivalent.
 */
export function PieChart({ title, slices, selected, onSelect }: {
  title: string;
  slices: Slice[];
  selected: string[];
  onSelect: (value: string) => void;
}) {
  const shown = slices.filter((s) => s.count > 0);
  const total = shown.reduce((n, s) => n + s.count, 0);
  let angle = 0;
  const id = `pie-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <figure class="pie" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      {total === 0 ? <p class="muted">No datasets.</p> : (
        <svg viewBox="0 0 120 120" width="140" height="140" role="group" aria-label={`${title} pie chart`}>
          {shown.map((s, i) => {
            const a0 = angle;
            angle += (s.count / total) * Math.PI * 2;
            const on = selected.includes(s.value);
            return (
              <path
                key={s.value}
                d={arc(60, 60, on ? 58 : 54, a0, angle)}
                fill={colorAt(i)}
                class={on ? 'slice on' : 'slice'}
                // SVG attributes are case-sensitive: "tabIndex" would be ignored on a <path>.
                tabindex={0}
                role="button"
                aria-pressed={on}
                aria-label={`${s.label}: ${s.count} datasets${on ? ' (filter on)' : ''}`}
                onClick={() => onSelect(s.value)}
                onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(s.value); } }}
              >
                <title>{`${s.label}: ${s.count}`}</title>
              </path>
            );
          })}
        </svg>
      )}
      <ul class="legend">
        {shown.map((s, i) => (
          <li key={s.value}>
            <button type="button" class={selected.includes(s.value) ? 'on' : ''} aria-pressed={selected.includes(s.value)} onClick={() => onSelect(s.value)}>
              <span class="swatch" style={{ background: colorAt(i) }} aria-hidden="true" />
              {s.label} <span class="count">{s.count}</span>
            </button>
          </li>
        ))}
      </ul>
    </figure>
  );
}
