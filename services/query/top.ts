/**
 * Top-N functions from summed stacks (api.md): `self` = value of stacks whose leaf is the function, `total` =
 * value of stacks containing it at least once (recursion counted once).
 */
import type { SummedStack } from './stacks.ts';

export interface FunctionRow {
  function: string;
  self: bigint;
  total: bigint;
}

export type TopSort = 'self' | 'total';

export function functionTotals(stacks: SummedStack[]): Map<string, FunctionRow> {
  const rows = new Map<string, FunctionRow>();
  const row = (name: string): FunctionRow => {
    let r = rows.get(name);
    if (!r) {
      r = { function: name, self: 0n, total: 0n };
      rows.set(name, r);
    }
    return r;
  };
  const seen = new Set<string>();
  for (const s of stacks) {
    if (s.frames.length === 0) continue;
    seen.clear();
    for (const f of s.frames) {
      if (seen.has(f)) continue;
      seen.add(f);
      row(f).total += s.value;
    }
    row(s.frames[s.frames.length - 1]).self += s.value;
  }
  return rows;
}

export function sortRows<T extends { function: string }>(rows: T[], key: (r: T) => bigint): T[] {
  return rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return ka > kb ? -1 : 1;
    return a.function < b.function ? -1 : a.function > b.function ? 1 : 0;
  });
}

export function topFunctions(stacks: SummedStack[], sort: TopSort, limit: number): FunctionRow[] {
  const rows = [...functionTotals(stacks).values()];
  return sortRows(rows, (r) => r[sort]).slice(0, limit);
}
