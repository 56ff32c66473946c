/**
 * A decoder for Pyroscope's flame graph "levels" encoding written from compat.md alone (not from Hotpath's
 * encoder), so tests check the wire format rather than the encoder against itself.
 *
 * compat.md: `names` lists node names (index 0 is `total`); `levels[d]` holds the nodes at depth d, 4 numbers per
 * node (7 for a diff: left offset, left total, left self, right offset, right total, right self, name index); an
 * offset is the distance from the end of the previous node in that level; children lie under their parent's span.
 */
export interface DecodedNode {
  name: string;
  /** One {total, self} per side: 1 for a flame graph, 2 (left, right) for a diff. */
  sides: { total: number; self: number }[];
  children: DecodedNode[];
}

interface Placed {
  node: DecodedNode;
  /** x of each side. */
  xs: number[];
}

export function decodeLevels(names: string[], levels: number[][], sideCount: 1 | 2): DecodedNode {
  const width = sideCount * 3 + 1;
  let parents: Placed[] = [];
  let root: DecodedNode | undefined;
  levels.forEach((level, depth) => {
    if (level.length % width !== 0) throw new Error(`level ${depth} has ${level.length} numbers, not a multiple of ${width}`);
    const prev = new Array(sideCount).fill(0);
    const placed: Placed[] = [];
    let cursor = 0;
    for (let i = 0; i < level.length; i += width) {
      const xs: number[] = [];
      const sides: { total: number; self: number }[] = [];
      for (let s = 0; s < sideCount; s++) {
        const x = level[i + s * 3]! + prev[s];
        const total = level[i + s * 3 + 1]!;
        sides.push({ total, self: level[i + s * 3 + 2]! });
        xs.push(x);
        prev[s] = x + total;
      }
      const name = names[level[i + width - 1]!];
      if (name === undefined) throw new Error(`level ${depth}: name index ${level[i + width - 1]} out of range`);
      const node: DecodedNode = { name, sides, children: [] };
      if (depth === 0) {
        if (root) throw new Error('level 0 holds more than one node');
        root = node;
      } else {
        // Children come left to right, a parent's children one after another: move to the next parent until the
        // node fits inside its span after its self, on every side.
        const fits = (p: Placed) => sides.every((v, s) => xs[s]! >= p.xs[s]! + p.node.sides[s]!.self && xs[s]! + v.total <= p.xs[s]! + p.node.sides[s]!.total);
        while (cursor < parents.length && !fits(parents[cursor]!)) cursor++;
        const parent = parents[cursor];
        if (!parent) throw new Error(`level ${depth}: node ${name} at x ${xs.join('/')} lies under no parent`);
        parent.node.children.push(node);
      }
      placed.push({ node, xs });
    }
    parents = placed;
  });
  if (!root) throw new Error('no levels');
  return root;
}

/** A canonical form for comparing trees: children sorted by name, recursively. */
export function canonical(n: DecodedNode): DecodedNode {
  return { name: n.name, sides: n.sides, children: n.children.map(canonical).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}
