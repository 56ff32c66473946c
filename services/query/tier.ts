/**
 * Which samples table serves a range — the one place a query picks a table (ARCHITECTURE.md §3).
 *
 * 1. A tier covers a range when it still holds all of it: the range starts within the tier's horizon, the
 *    shortest TTL any retention tier has there. The shortest, because a selection may include services of any tier
 *    (and a service's rows keep the tier they were written with, whatever its tier is now), so only that horizon
 *    promises no row of the range has expired. Ranges that cross a tier's horizon go to a coarser tier instead of
 *    being answered partially; when no tier covers the range, the coarsest (longest-lived) one serves it.
 * 2. Among the covering tiers, the coarsest whose bucket still fits the step: a time series' step, or, for stacks
 *    queries, the range divided by `queryPoints` (the range's edges are rounded to buckets, so a bucket must be
 *    small against the range). None fits (a short range): the finest covering tier.
 *
 * Coarse tiers may hold an `other` stack per (series, bucket) from downsampling (lib/store/compaction.ts); totals
 * are the same in every tier. A selection of one service alone reads the same samples from the per-service rollups
 * instead (service-rollup.ts), on the grid of the tier chosen here.
 */
import type { StorageTierName, TiersConfig } from '../../lib/config/tiers.ts';

export interface Tier {
  table: string;
  bucketSeconds: number;
  name: StorageTierName;
}

export interface TierRange {
  fromMs: number;
  untilMs: number;
}

export interface TierOptions {
  /** Default: the clock. */
  nowMs?: number;
  /** The resolution the caller needs (a time series' step), seconds. */
  stepSeconds?: number;
}

/** The storage tiers, finest first, with how far back each is complete. */
export function tierHorizons(tiers: TiersConfig, rawBucketSeconds: number): { tier: Tier; horizonSeconds: number }[] {
  const all: Tier[] = [{ table: 'samples_raw', bucketSeconds: rawBucketSeconds, name: 'raw' }, ...tiers.rollups.map((r) => ({ table: r.table, bucketSeconds: r.bucketSeconds, name: r.name }))];
  return all.map((tier) => ({
    tier,
    horizonSeconds: Math.min(...Object.values(tiers.ttlSeconds).map((byTier) => byTier[tier.name])),
  }));
}

export function chooseTier(tiers: TiersConfig, rawBucketSeconds: number, range: TierRange, opts: TierOptions = {}): Tier {
  const nowMs = opts.nowMs ?? Date.now();
  const horizons = tierHorizons(tiers, rawBucketSeconds);
  const covering = horizons.filter((h) => range.fromMs >= nowMs - h.horizonSeconds * 1000).map((h) => h.tier);
  if (covering.length === 0) return horizons[horizons.length - 1]!.tier;
  const step = opts.stepSeconds ?? (range.untilMs - range.fromMs) / 1000 / tiers.queryPoints;
  const fitting = covering.filter((t) => t.bucketSeconds <= step);
  return fitting.length > 0 ? fitting[fitting.length - 1]! : covering[0]!;
}
