export interface FacetOption {
  value: string;
  label: string;
  count: number;
}

/** A fieldset of checkboxes, each with its live count. */
export function FacetGroup({ legend, options, selected, onToggle, limit }: {
  legend: string;
  options: FacetOption[];
  selected: string[];
  onToggle: (value: string) => void;
  limit?: number;
}) {
  // Selected values stay visible even when their count drops to 0.
  const visible = options.filter((o, i) => selected.includes(o.value) || o.count > 0 || (limit === undefined && i < 50));
  const shown = limit ? visible.filter((o, i) => i < limit || selected.includes(o.value)) : visible;
  return (
    <fieldset class="facet">
      <legend>{legend}</legend>
      {shown.length === 0 && <p class="muted small">No values.</p>}
      {shown.map((o) => {
        const id = `f-${legend}-${o.value}`.replace(/[^\w-]/g, '_');
        return (
          <div class="check" key={o.value}>
            <input type="checkbox" id={id} checked={selected.includes(o.value)} onChange={() => onToggle(o.value)} />
            <label for={id}>{o.label} <span class="count">{o.count}</span></label>
          </div>
        );
      })}
    </fieldset>
  );
}
