import { useEffect, useRef } from 'preact/hooks';
import { checkState, type TreeNode, toggleNode } from '../lib/tree.js';
import type { LabelFn } from '../lib/vocab.js';

const VOCAB: Record<TreeNode['level'], string> = { data_type: 'data_type', modality: 'modality', organ: 'organ', dataset: '' };

function Checkbox({ node, selected, onSelect, name }: { node: TreeNode; selected: Set<string>; onSelect: (s: Set<string>) => void; name: string }) {
  const ref = useRef<HTMLInputElement>(null);
  const state = checkState(node, selected);
  useEffect(() => { if (ref.current) ref.current.indeterminate = state === 'mixed'; }, [state]);
  return <input ref={ref} type="checkbox" aria-label={`Select ${name}`} checked={state === 'checked'} onChange={() => onSelect(toggleNode(node, selected))} />;
}

export function TreeView({ nodes, expanded, onExpand, selected, onSelect, active, onOpen, label }: {
  nodes: TreeNode[];
  expanded: Set<string>;
  onExpand: (id: string) => void;
  selected: Set<string>;
  onSelect: (s: Set<string>) => void;
  active?: string;
  onOpen: (slug: string) => void;
  label: LabelFn;
}) {
  return (
    <ul class="tree">
      {nodes.map((n) => {
        if (n.level === 'dataset') {
          return (
            <li key={n.id} class="leaf">
              <Checkbox node={n} selected={selected} onSelect={onSelect} name={n.dataset!.name} />
              <a href={`/browse?dataset=${n.code}`} aria-current={active === n.code ? 'true' : undefined}
                onClick={(e) => { e.preventDefault(); onOpen(n.code); }}>{n.dataset!.name}</a>
            </li>
          );
        }
        const name = label(VOCAB[n.level], n.code);
        const open = expanded.has(n.id);
        return (
          <li key={n.id} class={`node level-${n.level}`}>
            <div class="node-row">
              <button type="button" class="twisty" aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${name}`} onClick={() => onExpand(n.id)}>
                <span aria-hidden="true">{open ? '▾' : '▸'}</span>
              </button>
              <Checkbox node={n} selected={selected} onSelect={onSelect} name={`all ${name} datasets`} />
              <button type="button" class="node-name" aria-expanded={open} onClick={() => onExpand(n.id)}>{name}</button>
              <span class="count" aria-label={`${n.slugs.length} datasets`}>{n.slugs.length}</span>
            </div>
            {open && <TreeView nodes={n.children} expanded={expanded} onExpand={onExpand} selected={selected} onSelect={onSelect} active={active} onOpen={onOpen} label={label} />}
          </li>
        );
      })}
    </ul>
  );
}
