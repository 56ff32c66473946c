import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonical, decodeLevels, type DecodedNode } from '../../test/helpers/flamegraph-levels.ts';
import { diffTree } from './diff.ts';
import { encodeFlameGraph, encodeFlameGraphDiff } from './flamegraph-encoding.ts';
import type { SummedStack } from './stacks.ts';
import { flameTree, type TreeNode } from './tree.ts';

const st = (path: string, value: number): SummedStack => ({ frames: path.split(';'), value: BigInt(value) });
const nums = (levels: bigint[][]) => levels.map((l) => l.map(Number));

function fromTree(n: TreeNode): DecodedNode {
  return { name: n.name, sides: [{ total: Number(n.total), self: Number(n.self) }], children: n.children.map(fromTree) };
}

describe('flame graph levels encoding (compat-details §3.4)', () => {
  it('encodes the worked example a;b=3, c;b=1 exactly', () => {
    const fg = encodeFlameGraph(flameTree([st('a;b', 3), st('c;b', 1)], 8192));
    assert.deepEqual(fg.names, ['total', 'c', 'b', 'a']);
    assert.deepEqual(nums(fg.levels), [[0, 4, 0, 0], [0, 3, 0, 3, 0, 1, 0, 1], [0, 3, 3, 2, 0, 1, 1, 2]]);
    assert.equal(fg.total, 4n);
    assert.equal(fg.maxSelf, 3n);
  });

  it('encodes the second worked example a;b=3, a;c=1, d=2 exactly', () => {
    const fg = encodeFlameGraph(flameTree([st('a;b', 3), st('a;c', 1), st('d', 2)], 8192));
    assert.deepEqual(fg.names, ['total', 'd', 'a', 'c', 'b']);
    assert.deepEqual(nums(fg.levels), [[0, 6, 0, 0], [0, 4, 0, 2, 0, 2, 2, 1], [0, 3, 3, 4, 0, 1, 1, 3]]);
    assert.equal(fg.total, 6n);
    assert.equal(fg.maxSelf, 3n);
  });

  it('encodes an empty result as the bare root', () => {
    const fg = encodeFlameGraph(flameTree([], 8192));
    assert.deepEqual(fg.names, ['total']);
    assert.deepEqual(nums(fg.levels), [[0, 0, 0, 0]]);
    assert.equal(fg.total, 0n);
  });

  it('decodes (with the compat.md decoder) to the same tree as the native one, pruned or not', () => {
    const stacks = [st('main;a;b', 5), st('main;a', 2), st('main;c;b', 7), st('main;c;d;e', 1), st('x', 4), st('main;a;f', 1), st('main;g', 3)];
    for (const maxNodes of [8192, 6, 3]) {
      const tree = flameTree(stacks, maxNodes);
      const fg = encodeFlameGraph(tree);
      assert.deepEqual(canonical(decodeLevels(fg.names, nums(fg.levels), 1)), canonical(fromTree(tree)), `maxNodes ${maxNodes}`);
    }
  });
});

describe('flame graph diff encoding (compat-details §3.5)', () => {
  it('aligns both sides to the union tree with 7 numbers per node', () => {
    const left = [st('a;b', 3), st('c', 1)];
    const right = [st('a;b', 2), st('d', 5)];
    const fg = encodeFlameGraphDiff(diffTree(left, right, 8192));
    assert.deepEqual(fg.names, ['total', 'd', 'c', 'a', 'b']);
    assert.deepEqual(nums(fg.levels), [
      [0, 4, 0, 0, 7, 0, 0],
      // a (3 | 2), c (1 | 0), d (0 | 5): left x 0,3,4; right x 0,2,2
      [0, 3, 0, 0, 2, 0, 3, 0, 1, 1, 0, 0, 0, 2, 0, 0, 0, 0, 5, 5, 1],
      [0, 3, 3, 0, 2, 2, 4],
    ]);
    assert.equal(fg.leftTicks, 4n);
    assert.equal(fg.rightTicks, 7n);
    assert.equal(fg.total, 11n);
    assert.equal(fg.maxSelf, 5n);
    const decoded = canonical(decodeLevels(fg.names, nums(fg.levels), 2));
    assert.deepEqual(decoded.children.map((c) => [c.name, c.sides.map((s) => s.total)]), [
      ['a', [3, 2]],
      ['c', [1, 0]],
      ['d', [0, 5]],
    ]);
  });
});
