/**
 * Pyroscope's flame graph "levels" encoding (compat-details §3.4, §3.5), used by SelectMergeStacktraces, Diff and
 * the legacy /pyroscope/render(-diff) JSON. It encodes a tree the query module already built and pruned (tree.ts,
 * diff.ts), so every API shows the same nodes as /api/v1/flamegraph.
 *
 * Per node and per side: [x offset, total, self]; then the index into `names`. A node's self sits at its left, its
 * children follow from `x + self` in name order (byte-wise, as Pyroscope sorts siblings). Offsets are delta-encoded
 * per level and per side: stored = x − (previous node's x + total). `names[0]` is the root `total`; other names are
 * numbered in the order of a LIFO depth-first walk that pushes children in name order — only to match Pyroscope's
 * output byte for byte (the order carries no meaning).
 */
import type { DiffNode } from './diff.ts';
import type { TreeNode } from './tree.ts';

export interface FlameGraph {
  names: string[];
  /** levels[d] = the nodes at depth d, 4 numbers each (single) or 7 (diff). */
  levels: bigint[][];
  total: bigint;
  maxSelf: bigint;
}

export interface FlameGraphDiff extends FlameGraph {
  leftTicks: bigint;
  rightTicks: bigint;
}

interface Side {
  total: bigint;
  self: bigint;
}

/** UTF-8 byte order = code point order; JS `<` compares UTF-16 units, which differs above U+FFFF. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function byName<N extends { name: string }>(children: readonly N[]): N[] {
  return [...children].sort((x, y) => compareBytes(x.name, y.name));
}

function nameIndexes<N extends { name: string; children: N[] }>(root: N): { names: string[]; index: Map<string, number> } {
  const names = ['total'];
  const index = new Map<string, number>([['total', 0]]);
  const stack: N[] = [...byName(root.children)];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!index.has(node.name)) {
      index.set(node.name, names.length);
      names.push(node.name);
    }
    stack.push(...byName(node.children));
  }
  return { names, index };
}

/** The generic encoder: one [offset, total, self] triple per side, then the name index. */
function encodeLevels<N extends { name: string; children: N[] }>(root: N, sides: ((n: N) => Side)[]): { names: string[]; levels: bigint[][]; maxSelf: bigint } {
  const { names, index } = nameIndexes(root);
  const levels: bigint[][] = [];
  const prevEnd: bigint[][] = [];
  let maxSelf = 0n;
  // Depth-first, children left to right: within one depth the nodes arrive in increasing x.
  const visit = (node: N, depth: number, xs: bigint[]): void => {
    if (!levels[depth]) {
      levels[depth] = [];
      prevEnd[depth] = sides.map(() => 0n);
    }
    const level = levels[depth]!;
    const ends = prevEnd[depth]!;
    const values = sides.map((side) => side(node));
    values.forEach((v, i) => {
      level.push(xs[i]! - ends[i]!, v.total, v.self);
      ends[i] = xs[i]! + v.total;
      if (v.self > maxSelf) maxSelf = v.self;
    });
    level.push(BigInt(depth === 0 ? 0 : index.get(node.name)!));
    const childX = values.map((v, i) => xs[i]! + v.self);
    for (const child of byName(node.children)) {
      visit(child, depth + 1, childX);
      sides.forEach((side, i) => {
        childX[i] = childX[i]! + side(child).total;
      });
    }
  };
  visit(root, 0, sides.map(() => 0n));
  return { names, levels, maxSelf };
}

/** SelectMergeStacktraces / render: a pruned tree (root named `total`) as a FlameGraph. */
export function encodeFlameGraph(root: TreeNode): FlameGraph {
  const { names, levels, maxSelf } = encodeLevels(root, [(n) => n]);
  return { names, levels, total: root.total, maxSelf };
}

/** Diff / render-diff: the union tree of both sides as a FlameGraphDiff (left = baseline, right = comparison). */
export function encodeFlameGraphDiff(root: DiffNode): FlameGraphDiff {
  const { names, levels, maxSelf } = encodeLevels(root, [(n) => n.baseline, (n) => n.comparison]);
  const leftTicks = root.baseline.total;
  const rightTicks = root.comparison.total;
  return { names, levels, total: leftTicks + rightTicks, maxSelf, leftTicks, rightTicks };
}
