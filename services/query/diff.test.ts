import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTable, diffTree, share, type DiffNode } from './diff.ts';
import type { SummedStack } from './stacks.ts';

const st = (path: string, value: number | bigint): SummedStack => ({ frames: path.split(';'), value: BigInt(value) });

const BASE = [st('main;parse', 100), st('main;render', 300), st('main;render;encode', 200), st('gc', 400)];

function checkTotals(n: DiffNode): void {
  for (const side of ['baseline', 'comparison'] as const) {
    const sum = n.children.reduce((s, c) => s + c[side].total, 0n);
    assert.equal(n[side].total, n[side].self + sum, `${n.name} ${side}`);
  }
  n.children.forEach(checkTotals);
}

describe('diff by share', () => {
  it('puts a doubled function first with the exact share delta', () => {
    const comparison = BASE.map((s) => (s.frames.at(-1) === 'parse' ? { ...s, value: s.value * 2n } : s));
    const t = diffTable(BASE, comparison, 'self');
    assert.equal(t.baselineTotal, 1000n);
    assert.equal(t.comparisonTotal, 1100n);
    const first = t.rows[0]!;
    assert.equal(first.function, 'parse');
    assert.deepEqual(first.baseline, { self: 100n, total: 100n });
    assert.deepEqual(first.comparison, { self: 200n, total: 200n });
    assert.deepEqual(first.selfShare, { baseline: 0.1, comparison: 200 / 1100, delta: 200 / 1100 - 0.1 });
    // main has no self (0 → 0); the others lost share, the largest loser (gc, 0.4 → 400/1100) last.
    assert.deepEqual(t.rows.map((r) => r.function), ['parse', 'main', 'encode', 'render', 'gc']);
    assert.equal(t.rows.at(-1)!.selfShare.delta, 400 / 1100 - 0.4);
  });

  it('ranks by total share when asked', () => {
    const comparison = [...BASE, st('main;render;encode', 500)];
    const t = diffTable(BASE, comparison, 'total', 2);
    // encode 0.2 → 700/1500, render 0.5 → 1000/1500 (main 0.6 → 1100/1500 is third, cut by the limit).
    assert.deepEqual(t.rows.map((r) => r.function), ['encode', 'render']);
    assert.equal(t.rows[0]!.totalShare.delta, 700 / 1500 - 200 / 1000);
    assert.equal(t.rows[1]!.totalShare.delta, 1000 / 1500 - 500 / 1000);
  });

  it('gives every function a delta of exactly 0 for equal inputs', () => {
    const t = diffTable(BASE, BASE.map((s) => ({ ...s })), 'self');
    assert.equal(t.rows.length, 5);
    for (const r of t.rows) {
      assert.equal(r.selfShare.delta, 0, r.function);
      assert.equal(r.totalShare.delta, 0, r.function);
    }
  });

  it('compares windows of different length by share: three times the traffic, same mix → deltas 0', () => {
    const t = diffTable(BASE, BASE.map((s) => ({ ...s, value: s.value * 3n })), 'self');
    assert.equal(t.comparisonTotal, 3000n);
    for (const r of t.rows) assert.equal(r.selfShare.delta, 0, r.function);
  });

  it('counts a function missing on one side as 0 there', () => {
    const t = diffTable([st('a', 1)], [st('b', 1)], 'self');
    assert.deepEqual(t.rows.map((r) => [r.function, r.selfShare.delta]), [['b', 1], ['a', -1]]);
    assert.equal(share(5n, 0n), 0);
  });
});

describe('diff tree', () => {
  it('holds both sides per call path and adds up', () => {
    const root = diffTree(BASE, [st('main;parse', 50), st('new', 10)], 8192);
    assert.deepEqual(root.baseline, { self: 0n, total: 1000n });
    assert.deepEqual(root.comparison, { self: 0n, total: 60n });
    const main = root.children.find((c) => c.name === 'main')!;
    assert.deepEqual([main.baseline.total, main.comparison.total], [600n, 50n]);
    const added = root.children.find((c) => c.name === 'new')!;
    assert.deepEqual([added.baseline.total, added.comparison.total], [0n, 10n]);
    checkTotals(root);
  });

  it('folds the lightest nodes into other and still adds up', () => {
    const root = diffTree(BASE, [...BASE, st('main;tiny', 1)], 4);
    checkTotals(root);
    const names = (n: DiffNode): string[] => [n.name, ...n.children.flatMap(names)];
    assert.ok(names(root).includes('other'), names(root).join(','));
    assert.ok(!names(root).includes('tiny'));
  });
});
