/**
 * Before/after comparison of two selections (api.md `/api/v1/diff`), from each side's summed stacks.
 *
 * Values are compared by share — a function's value as a fraction of its side's total — so windows of different
 * length or traffic compare fairly. A row's delta is comparison share − baseline share; rows are ranked by the
 * chosen delta, largest regression first. The share math and the ranked table are the operator loop's building
 * blocks too (report, guard): they take plain summed stacks and know nothing of HTTP.
 *
 * The diff tree is the union of both sides' call trees (a node missing on one side is 0 there), pruned to
 * `maxNodes` by the larger of the two totals, with the cut nodes of a parent folded into one `other` child per side.
 */
import type { SummedStack } from './stacks.ts';
import { functionTotals, type TopSort } from './top.ts';
import { buildTree, OTHER } from './tree.ts';

export interface SideValues {
  self: bigint;
  total: bigint;
}

export interface Share {
  baseline: number;
  comparison: number;
  /** comparison − baseline: positive = the function takes a larger part of the work than before. */
  delta: number;
}

export interface DiffRow {
  function: string;
  baseline: SideValues;
  comparison: SideValues;
  selfShare: Share;
  totalShare: Share;
}

export interface DiffTable {
  baselineTotal: bigint;
  comparisonTotal: bigint;
  rows: DiffRow[];
}

/** A value as a fraction of its side's total; 0 for an empty side (nothing to compare against). */
export function share(value: bigint, total: bigint): number {
  return total === 0n ? 0 : Number(value) / Number(total);
}

export function shareChange(baseline: bigint, baselineTotal: bigint, comparison: bigint, comparisonTotal: bigint): Share {
  const b = share(baseline, baselineTotal);
  const c = share(comparison, comparisonTotal);
  return { baseline: b, comparison: c, delta: c - b };
}

export function sumStacks(stacks: readonly SummedStack[]): bigint {
  let total = 0n;
  for (const s of stacks) total += s.value;
  return total;
}

/** Orders rows by the chosen share delta, largest regression first; ties by function name so output is stable. */
export function rankByRegression(rows: DiffRow[], sort: TopSort): DiffRow[] {
  const key = (r: DiffRow) => (sort === 'self' ? r.selfShare.delta : r.totalShare.delta);
  return rows.sort((a, b) => {
    const d = key(b) - key(a);
    if (d !== 0) return d;
    return a.function < b.function ? -1 : a.function > b.function ? 1 : 0;
  });
}

/** Every function seen on either side with its values and share changes, ranked; `limit` rows at most. */
export function diffTable(baseline: readonly SummedStack[], comparison: readonly SummedStack[], sort: TopSort, limit = Infinity): DiffTable {
  const baselineTotal = sumStacks(baseline);
  const comparisonTotal = sumStacks(comparison);
  const b = functionTotals(baseline as SummedStack[]);
  const c = functionTotals(comparison as SummedStack[]);
  const zero: SideValues = { self: 0n, total: 0n };
  const rows: DiffRow[] = [];
  for (const name of new Set([...b.keys(), ...c.keys()])) {
    const bv = b.get(name) ?? zero;
    const cv = c.get(name) ?? zero;
    rows.push({
      function: name,
      baseline: { self: bv.self, total: bv.total },
      comparison: { self: cv.self, total: cv.total },
      selfShare: shareChange(bv.self, baselineTotal, cv.self, comparisonTotal),
      totalShare: shareChange(bv.total, baselineTotal, cv.total, comparisonTotal),
    });
  }
  return { baselineTotal, comparisonTotal, rows: rankByRegression(rows, sort).slice(0, limit) };
}

export interface DiffNode {
  name: string;
  baseline: SideValues;
  comparison: SideValues;
  children: DiffNode[];
}

type BuildNode = ReturnType<typeof buildTree>;

/** Union of two call trees: one node per call path, each side's values (0 where that side lacks the path). */
function unionTree(b: BuildNode | undefined, c: BuildNode | undefined, name: string): DiffNode {
  const node: DiffNode = {
    name,
    baseline: { self: b?.self ?? 0n, total: b?.total ?? 0n },
    comparison: { self: c?.self ?? 0n, total: c?.total ?? 0n },
    children: [],
  };
  const names = new Set([...(b?.children.keys() ?? []), ...(c?.children.keys() ?? [])]);
  for (const n of names) node.children.push(unionTree(b?.children.get(n), c?.children.get(n), n));
  return node;
}

const abs = (v: bigint) => (v < 0n ? -v : v);
const weight = (n: DiffNode) => {
  const b = abs(n.baseline.total);
  const c = abs(n.comparison.total);
  return b > c ? b : c;
};

function byWeightDesc(a: DiffNode, b: DiffNode): number {
  const wa = weight(a);
  const wb = weight(b);
  if (wa !== wb) return wa > wb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The `maxNodes` heaviest nodes (weight = the larger side's |total|; ties: shallower first). A node is only kept
 * under a kept parent, so the result is a tree.
 */
function prune(root: DiffNode, maxNodes: number): DiffNode {
  const all: { node: DiffNode; depth: number }[] = [];
  const stack = [{ node: root, depth: 0 }];
  while (stack.length) {
    const item = stack.pop()!;
    all.push(item);
    for (const c of item.node.children) stack.push({ node: c, depth: item.depth + 1 });
  }
  if (all.length <= maxNodes) return sortTree(root);
  all.sort((x, y) => {
    const wx = weight(x.node);
    const wy = weight(y.node);
    if (wx !== wy) return wx > wy ? -1 : 1;
    return x.depth - y.depth;
  });
  const kept = new Set(all.slice(0, maxNodes).map((x) => x.node));
  const convert = (n: DiffNode): DiffNode => {
    const children: DiffNode[] = [];
    const other: DiffNode = { name: OTHER, baseline: { self: 0n, total: 0n }, comparison: { self: 0n, total: 0n }, children: [] };
    let folded = false;
    for (const c of n.children) {
      if (kept.has(c)) {
        children.push(convert(c));
        continue;
      }
      folded = true;
      for (const side of ['baseline', 'comparison'] as const) {
        other[side].self += c[side].total;
        other[side].total += c[side].total;
      }
    }
    if (folded) {
      const existing = children.find((c) => c.name === OTHER && c.children.length === 0);
      if (existing) {
        for (const side of ['baseline', 'comparison'] as const) {
          existing[side].self += other[side].self;
          existing[side].total += other[side].total;
        }
      } else children.push(other);
    }
    children.sort(byWeightDesc);
    return { ...n, children };
  };
  return convert(root);
}

function sortTree(n: DiffNode): DiffNode {
  return { ...n, children: n.children.map(sortTree).sort(byWeightDesc) };
}

/** The diff flame graph: union tree of both sides, root `total`, pruned to `maxNodes` nodes. */
export function diffTree(baseline: readonly SummedStack[], comparison: readonly SummedStack[], maxNodes: number): DiffNode {
  const root = unionTree(buildTree(baseline as SummedStack[]), buildTree(comparison as SummedStack[]), 'total');
  return prune(root, maxNodes);
}
