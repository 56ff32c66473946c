/**
 * Optimization yield: did the fix candidates that reports named get cheaper? For every version V that has named
 * candidates (candidates-store.ts) and a successor V' among the versions seen in the window (ordered by first
 * data), a cycle compares each candidate's self share as named in V with its self share in V'. The cycle's yield
 * is the mean relative drop, (named − next) / named. Flat yield — under 5 % in each of the last three cycles —
 * means the reports are not changing what gets fixed.
 */
import type { HotpathConfig } from '../../lib/config/index.ts';
import { lookupLabel } from '../../lib/labels/names.ts';
import type { Store } from '../../lib/store/store.ts';
import { namedCandidates } from './candidates-store.ts';
import { share, sumStacks } from './diff.ts';
import type { LabelSetFacts } from './fleet.ts';
import { serviceSelection } from './service-selection.ts';
import { mergeStacks } from './stacks.ts';
import { functionTotals } from './top.ts';

export const FLAT_YIELD = 0.05;
const FLAT_CYCLES = 3;

export interface YieldCycle {
  named: string;
  next: string;
  candidates: { function: string; namedShare: number; nextShare: number; drop: number }[];
  meanDrop: number;
}

export interface OptimizationYield {
  cycles: YieldCycle[];
  /** True after at least three cycles whose mean drop stayed under 5 %. */
  flat: boolean;
}

/** Version label values in order of their first data in the window (ties by name); series without one left out. */
export function versionsInOrder(sets: readonly LabelSetFacts[]): string[] {
  const first = new Map<string, number>();
  for (const s of sets) {
    const v = lookupLabel(s.labels, 'version');
    if (!v || s.buckets.length === 0) continue;
    first.set(v, Math.min(first.get(v) ?? Infinity, s.buckets[0]!));
  }
  return [...first.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([v]) => v);
}

export function isFlat(cycles: readonly YieldCycle[]): boolean {
  return cycles.length >= FLAT_CYCLES && cycles.slice(-FLAT_CYCLES).every((c) => c.meanDrop < FLAT_YIELD);
}

export async function optimizationYield(
  store: Store,
  config: HotpathConfig,
  scope: { tenant: string; service: string; profileTypeId: string; fromMs: number; untilMs: number },
  versions: readonly string[],
): Promise<OptimizationYield> {
  if (versions.length < 2) return { cycles: [], flat: false };
  const named = await namedCandidates(store, scope.tenant, scope.service, scope.profileTypeId);
  const cycles: YieldCycle[] = [];
  for (let i = 0; i + 1 < versions.length; i++) {
    const mine = named.filter((c) => c.version === versions[i] && c.selfShare > 0);
    if (mine.length === 0) continue;
    const next = versions[i + 1]!;
    const { stacks } = await mergeStacks(store, serviceSelection(scope.tenant, scope.profileTypeId, scope.service, scope.fromMs, scope.untilMs, next), config.bucketSeconds);
    const total = sumStacks(stacks);
    const fns = functionTotals(stacks);
    const candidates = mine.map((c) => {
      const nextShare = share(fns.get(c.function)?.self ?? 0n, total);
      return { function: c.function, namedShare: c.selfShare, nextShare, drop: (c.selfShare - nextShare) / c.selfShare };
    });
    cycles.push({ named: versions[i]!, next, candidates, meanDrop: candidates.reduce((s, c) => s + c.drop, 0) / candidates.length });
  }
  return { cycles, flat: isFlat(cycles) };
}
