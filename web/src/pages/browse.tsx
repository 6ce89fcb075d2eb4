import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Selection } from '../api/client.js';
import { DatasetDetails } from '../components/dataset-details.js';
import { SelectionPanel } from '../components/selection-panel.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TreeView } from '../components/tree-view.js';
import { navigate } from '../lib/router.js';
import { buildTree } from '../lib/tree.js';
import { useAsync } from '../lib/use-async.js';
import { useLabels } from '../lib/vocab.js';

export function BrowsePage({ search }: { search: string }) {
  const active = new URLSearchParams(search).get('dataset') ?? undefined;
  const label = useLabels();
  const all = useAsync((signal) => api.allDatasets('', signal), []);
  const tree = useMemo(() => buildTree(all.data ?? []), [all.data]);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [treeOpen, setTreeOpen] = useState(false);
  // The open download panel: a selection made on the server from the checked datasets.
  const [selection, setSelection] = useState<{ data?: Selection; error?: Error } | null>(null);
  const request = useRef(0);
  const downloadSelected = () => {
    const n = ++request.current;
    setTreeOpen(false);
    setSelection({});
    api.createSelection({ datasets: [...selected].sort() }).then(
      (data) => { if (n === request.current) setSelection({ data }); },
      (error: Error) => { if (n === request.current) setSelection({ error }); },
    );
  };
  const card = useAsync((signal) => (active ? api.dataset(active, signal) : Promise.resolve(undefined)), [active]);

  useEffect(() => { document.title = card.data ? `${card.data.name} — Browse — MedImg` : 'Browse — MedImg'; }, [card.data]);
  // Open the branches that lead to the dataset in the URL.
  useEffect(() => {
    if (!active || !tree.length) return;
    const path = new Set(expanded);
    const walk = (nodes: typeof tree, trail: string[]) => nodes.forEach((n) => {
      if (n.level === 'dataset' && n.code === active) trail.forEach((id) => path.add(id));
      else walk(n.children, [...trail, n.id]);
    });
    walk(tree, []);
    setExpanded(path);
  }, [tree, active]);

  const toggleExpand = (id: string) => setExpanded((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  useEffect(() => { request.current++; setSelection(null); }, [selected]);

  return (
    <div class="browse-page">
      <h1 tabIndex={-1}>Browse by data type, modality and organ</h1>
      <div class="browse-layout">
        <aside class={`tree-panel ${treeOpen ? 'open' : ''}`} aria-label="Navigation tree">
          <button type="button" class="tree-toggle" aria-expanded={treeOpen} aria-controls="tree-body" onClick={() => setTreeOpen(!treeOpen)}>
            {treeOpen ? 'Hide' : 'Show'} navigation tree
          </button>
          <div id="tree-body" class="tree-body">
            <div class="tree-actions">
              <button type="button" class="primary" disabled={selected.size === 0} onClick={downloadSelected}>
                Download Selected ({selected.size})
              </button>
              {selected.size > 0 && <button type="button" class="link" onClick={() => setSelected(new Set())}>Clear</button>}
            </div>
            {all.error ? <ErrorState error={all.error} onRetry={all.retry} /> : !all.data ? <Loading /> : (
              <TreeView nodes={tree} expanded={expanded} onExpand={toggleExpand} selected={selected} onSelect={setSelected}
                active={active} label={label} onOpen={(slug) => { setTreeOpen(false); navigate(`/browse?dataset=${slug}`, { keepScroll: true }); }} />
            )}
          </div>
        </aside>

        <section class="detail-panel" aria-label="Dataset details">
          {selection && (
            <SelectionPanel title="Download selected datasets" selection={selection.data} error={selection.error}
              pending={(all.data ?? []).filter((d) => selected.has(d.slug))}
              onRetry={downloadSelected} onClose={() => setSelection(null)} />
          )}
          {!active ? (
            <Empty><p>Pick a dataset in the tree to see its details here. Check boxes to select whole branches, then use “Download Selected”.</p></Empty>
          ) : card.error ? <ErrorState error={card.error} onRetry={card.retry} />
            : !card.data ? <Loading /> : <DatasetDetails card={card.data} label={label} headingLevel={2} />}
        </section>
      </div>
    </div>
  );
}
