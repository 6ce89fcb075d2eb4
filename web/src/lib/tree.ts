import type { DatasetSummary } from '../api/client.js';

export interface TreeNode {
  id: string;
  level: 'data_type' | 'modality' | 'organ' | 'dataset';
  code: string;
  children: TreeNode[];
  /** Slugs of every dataset under this node. */
  slugs: string[];
  dataset?: DatasetSummary;
}

const TYPE_ORDER = ['image', 'series', 'video', 'audio', 'signal'];

/**
 * data type -> modality -> organ -> dataset, as on the MedImg paper's Browse page.
 * A dataset with two modalities or organs appears under each of them.
 */
export function buildTree(items: DatasetSummary[]): TreeNode[] {
  const roots = new Map<string, TreeNode>();
  const child = (parent: Map<string, TreeNode> | TreeNode, id: string, level: TreeNode['level'], code: string) => {
    const list = parent instanceof Map ? parent : new Map(parent.children.map((c) => [c.id, c]));
    let node = list.get(id);
    if (!node) {
      node = { id, level, code, children: [], slugs: [] };
      if (parent instanceof Map) parent.set(id, node);
      else parent.children.push(node);
    }
    return node;
  };
  for (const d of items) {
    const t = child(roots, d.data_type, 'data_type', d.data_type);
    for (const m of d.modalities) {
      const mn = child(t, `${t.id}/${m}`, 'modality', m);
      for (const o of d.organs) {
        const on = child(mn, `${mn.id}/${o}`, 'organ', o);
        on.children.push({ id: `${on.id}/${d.slug}`, level: 'dataset', code: d.slug, children: [], slugs: [d.slug], dataset: d });
      }
    }
  }
  const finish = (n: TreeNode): TreeNode => {
    n.children.forEach(finish);
    if (n.level !== 'dataset') {
      n.slugs = [...new Set(n.children.flatMap((c) => c.slugs))];
      n.children.sort((a, b) => (a.level === 'dataset' ? (a.dataset!.name.localeCompare(b.dataset!.name)) : b.slugs.length - a.slugs.length || a.code.localeCompare(b.code)));
    }
    return n;
  };
  return [...roots.values()].map(finish).sort((a, b) => TYPE_ORDER.indexOf(a.code) - TYPE_ORDER.indexOf(b.code));
}

export type CheckState = 'checked' | 'unchecked' | 'mixed';

export function checkState(node: TreeNode, selected: Set<string>): CheckState {
  const n = node.slugs.filter((s) => selected.has(s)).length;
  return n === 0 ? 'unchecked' : n === node.slugs.length ? 'checked' : 'mixed';
}

/** Checking a node selects its whole subtree; unchecking a checked or mixed node clears it. */
export function toggleNode(node: TreeNode, selected: Set<string>): Set<string> {
  const next = new Set(selected);
  if (checkState(node, selected) === 'checked') node.slugs.forEach((s) => next.delete(s));
  else node.slugs.forEach((s) => next.add(s));
  return next;
}
