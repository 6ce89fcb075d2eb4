import { formatNumber } from '../lib/vocab.js';

export interface Bar {
  label: string;
  value: number;
  extra?: string;
}

/** A bar chart drawn as a table: the numbers are the text equivalent of the bars. */
export function BarTable({ caption, bars, unit, valueHeader = 'Datasets', extraHeader }: {
  caption: string;
  bars: Bar[];
  unit?: string;
  valueHeader?: string;
  extraHeader?: string;
}) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <table class="bar-table">
      <caption>{caption}</caption>
      <thead>
        <tr><th scope="col">{unit ?? 'Value'}</th><th scope="col">{valueHeader}</th>{extraHeader && <th scope="col">{extraHeader}</th>}</tr>
      </thead>
      <tbody>
        {bars.map((b) => (
          <tr key={b.label}>
            <th scope="row">{b.label}</th>
            <td>
              <span class="bar" style={{ width: `${(b.value / max) * 100}%` }} aria-hidden="true" />
              <span class="bar-value">{formatNumber(b.value)}</span>
            </td>
            {extraHeader && <td>{b.extra}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
