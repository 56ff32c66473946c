/**
 * The flame graph tree, built in the app from summed stacks: one node per call path, `self` = value of stacks
 * ending there, `total` = self + children's totals. Pruned to at most `maxNodes` real nodes: the smallest nodes
 * are folded into one `other` child of their parent, so every total still adds up.
 */
import type { SummedStack } from './stacks.ts';

export interface TreeNode {
  name: string;
  self: bigint;
  total: bigint;
  children: TreeNode[];
}

interface BuildNode {
  name: string;
  self: bigint;
  total: bigint;
  children: Map<string, BuildNode>;
}

export const OTHER = 'other';

function newNode(name: string): BuildNode {
  return { name, self: 0n, total: 0n, children: new Map() };
}

export function buildTree(stacks: SummedStack[]): BuildNode {
  const root = newNode('total');
  for (const s of stacks) {
    let node = root;
    node.total += s.value;
    for (const frame of s.frames) {
      let child = node.children.get(frame);
      if (!child) {
        child = newNode(frame);
        node.children.set(frame, child);
      }
      child.total += s.value;
      node = child;
    }
    node.self += s.value;
  }
  return root;
}

function byTotalDesc(a: { total: bigint; name: string }, b: { total: bigint; name: string }): number {
  if (a.total !== b.total) return a.total > b.total ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Keeps the `maxNodes` largest nodes by total (a parent's total is at least its child's, so a kept node's
 * ancestors are kept too: ties are broken by depth, parents first).
 */
function keptNodes(root: BuildNode, maxNodes: number): Set<BuildNode> | null {
  const all: { node: BuildNode; depth: number }[] = [];
  const stack: { node: BuildNode; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length) {
    const item = stack.pop()!;
    all.push(item);
    for (const c of item.node.children.values()) stack.push({ node: c, depth: item.depth + 1 });
  }
  if (all.length <= maxNodes) return null;
  const abs = (v: bigint) => (v < 0n ? -v : v);
  all.sort((a, b) => {
    const ta = abs(a.node.total);
    const tb = abs(b.node.total);
    if (ta !== tb) return ta > tb ? -1 : 1;
    return a.depth - b.depth;
  });
  return new Set(all.slice(0, maxNodes).map((x) => x.node));
}

export function toTree(root: BuildNode, maxNodes: number): TreeNode {
  const kept = keptNodes(root, maxNodes);
  const convert = (n: BuildNode): TreeNode => {
    const children: TreeNode[] = [];
    let folded = 0n;
    let foldedAny = false;
    for (const c of n.children.values()) {
      if (kept === null || kept.has(c)) children.push(convert(c));
      else {
        folded += c.total;
        foldedAny = true;
      }
    }
    if (foldedAny) {
      const existing = children.find((c) => c.name === OTHER && c.children.length === 0);
      if (existing) {
        existing.self += folded;
        existing.total += folded;
      } else children.push({ name: OTHER, self: folded, total: folded, children: [] });
    }
    children.sort(byTotalDesc);
    return { name: n.name, self: n.self, total: n.total, children };
  };
  return convert(root);
}

export function flameTree(stacks: SummedStack[], maxNodes: number): TreeNode {
  return toTree(buildTree(stacks), maxNodes);
}
