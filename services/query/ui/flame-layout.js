/**
 * Flattens a flame graph tree (api.md /flamegraph `root`, or /diff `flamegraph`) into typed arrays in depth-first
 * order, each node placed at [start, start + width) in value space. One pass, no recursion (stacks can be 1 024
 * frames deep), so 10 000+ nodes lay out in a few milliseconds and draw from flat arrays.
 *
 * Single trees: width = total. Diff trees: width = baseline share + comparison share of the node (shares of each
 * side's own total, as api.md's diff compares), so both windows weigh equally whatever their length or traffic;
 * `delta` = comparison total share − baseline total share, the colour of the node.
 */
import { num } from './format.js';

export function flattenTree(root, mode = 'single') {
  const diff = mode === 'diff';
  const bRoot = diff ? num(root.baseline.total) : 0;
  const cRoot = diff ? num(root.comparison.total) : 0;
  const widthOf = diff
    ? (n) => (bRoot ? num(n.baseline.total) / bRoot : 0) + (cRoot ? num(n.comparison.total) / cRoot : 0)
    : (n) => num(n.total);

  let count = 0;
  for (const pending = [root]; pending.length; count++) for (const c of pending.pop().children ?? []) pending.push(c);

  const layout = {
    mode,
    count,
    names: new Array(count),
    parent: new Int32Array(count),
    depth: new Uint16Array(count),
    start: new Float64Array(count),
    width: new Float64Array(count),
    self: new Float64Array(count),
    maxDepth: 0,
    rootTotal: diff ? 0 : num(root.total),
    baselineTotal: bRoot,
    comparisonTotal: cRoot,
  };
  if (diff) {
    for (const k of ['baseline', 'comparison', 'baselineSelf', 'comparisonSelf', 'delta']) layout[k] = new Float64Array(count);
    layout.maxAbsDelta = 0;
  }

  // Pre-order walk on parallel stacks (no per-node allocation). Children are pushed last-first, each with its start,
  // so the first child comes out first and siblings sit left to right in the order the API sorted them.
  const nodes = [root];
  const parents = [-1];
  const depths = [0];
  const starts = [0];
  for (let index = 0; nodes.length; index++) {
    const node = nodes.pop();
    const parent = parents.pop();
    const depth = depths.pop();
    const start = starts.pop();
    const width = widthOf(node);
    layout.names[index] = node.name;
    layout.parent[index] = parent;
    layout.depth[index] = depth;
    layout.start[index] = start;
    layout.width[index] = width;
    if (depth > layout.maxDepth) layout.maxDepth = depth;
    if (diff) {
      const b = num(node.baseline.total);
      const c = num(node.comparison.total);
      const bSelf = num(node.baseline.self);
      const cSelf = num(node.comparison.self);
      const delta = (cRoot ? c / cRoot : 0) - (bRoot ? b / bRoot : 0);
      layout.baseline[index] = b;
      layout.comparison[index] = c;
      layout.baselineSelf[index] = bSelf;
      layout.comparisonSelf[index] = cSelf;
      layout.delta[index] = delta;
      layout.self[index] = bSelf + cSelf;
      if (index > 0 && Math.abs(delta) > layout.maxAbsDelta) layout.maxAbsDelta = Math.abs(delta);
    } else layout.self[index] = num(node.self);
    const children = node.children ?? [];
    let end = start;
    for (const child of children) end += widthOf(child);
    for (let j = children.length - 1; j >= 0; j--) {
      end -= widthOf(children[j]);
      nodes.push(children[j]);
      parents.push(index);
      depths.push(depth + 1);
      starts.push(end);
    }
  }
  return layout;
}

/** The node reached by following `path` (names below the root); stops at the deepest name found. */
export function nodeAtPath(layout, path) {
  let current = 0;
  for (const name of path) {
    let next = -1;
    for (let i = current + 1; i < layout.count && layout.depth[i] > layout.depth[current]; i++) {
      if (layout.parent[i] === current && layout.names[i] === name) {
        next = i;
        break;
      }
    }
    if (next < 0) break;
    current = next;
  }
  return current;
}

/** Names from the root's child down to `index` (the URL's zoom). */
export function pathOf(layout, index) {
  const path = [];
  for (let i = index; i > 0; i = layout.parent[i]) path.unshift(layout.names[i]);
  return path;
}
