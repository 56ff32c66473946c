/**
 * Storage tiers and retention tiers (ARCHITECTURE.md §3), as configuration: the rollup tiers' bucket sizes and
 * stack limits, the time to live of each retention tier (`critical`, `standard`, `batch`, chosen per service in the
 * service settings) in each storage tier, and the downsampling schedule. The raw tier's bucket is `bucketSeconds`
 * (HOTPATH_BUCKET_SECONDS). Environment:
 *
 *   HOTPATH_TIER_1M_BUCKET_SECONDS / HOTPATH_TIER_1H_BUCKET_SECONDS   60 / 3600
 *   HOTPATH_TIER_1M_MAX_STACKS / HOTPATH_TIER_1H_MAX_STACKS           2000 / 500 (stacks per series per bucket; 0 = keep all)
 *   HOTPATH_TIER_CRITICAL_TTL / _STANDARD_TTL / _BATCH_TTL            raw,1m,1h durations: 7d,30d,400d / 2d,14d,90d / 12h,7d,30d
 *   HOTPATH_TIER_COMPACT                                              true: this aggregator folds closed coarse buckets
 *   HOTPATH_TIER_COMPACT_INTERVAL_SECONDS / _DELAY_SECONDS            60 / 120
 *   HOTPATH_TIER_COMPACT_LOOKBACK_SECONDS / _SWEEP_SECONDS            10800 / 3600
 *   HOTPATH_TIER_QUERY_POINTS                                         100 (see services/query/tier.ts)
 *
 * Durations are a count and a unit (s, m, h, d), e.g. `90d`, `12h`, `30s`.
 */
import type { TierName } from '../settings/service-settings.ts';

/** The storage tiers, finest first. `raw` is written by the aggregator; the others are rollups of it. */
export const STORAGE_TIERS = ['raw', '1m', '1h'] as const;
export type StorageTierName = (typeof STORAGE_TIERS)[number];
export type RollupTierName = Exclude<StorageTierName, 'raw'>;

/** Retention tier names, as the service settings know them (lib/settings/service-settings.ts `TIERS`). */
export const RETENTION_TIERS: readonly TierName[] = ['critical', 'standard', 'batch'];

export interface RollupTierConfig {
  name: RollupTierName;
  table: string;
  bucketSeconds: number;
  /** Stacks a (series, bucket) keeps once downsampled, the `other` stack included; 0 keeps every stack. */
  maxStacks: number;
}

export interface TiersConfig {
  rollups: RollupTierConfig[];
  /** Seconds a row of each retention tier lives in each storage tier. */
  ttlSeconds: Record<TierName, Record<StorageTierName, number>>;
  compaction: {
    /** Whether this process (when it runs the aggregator role) downsamples. Exactly one process should. */
    enabled: boolean;
    intervalSeconds: number;
    /** A coarse bucket is folded only once it ended this long ago: late batches have landed by then. */
    delaySeconds: number;
    /**
     * How far back a sweep looks: at start and every `sweepSeconds`, a pass re-examines this window, folding rows
     * that arrived late (up to the ingestion window) into buckets already folded. Other passes look only at the
     * buckets closed since the previous pass.
     */
    lookbackSeconds: number;
    sweepSeconds: number;
  };
  /** A stacks query without a step wants about this many buckets across its range (services/query/tier.ts). */
  queryPoints: number;
}

export const DEFAULT_TTL: Record<TierName, string> = {
  critical: '7d,30d,400d',
  standard: '2d,14d,90d',
  batch: '12h,7d,30d',
};

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+)([smhd])$/.exec(raw.trim());
  if (!m) throw new Error(`config: ${name}: ${JSON.stringify(raw)} is not a duration (a count and one of s, m, h, d, e.g. 90d)`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds <= 0) throw new Error(`config: ${name}: ${JSON.stringify(raw)} must be longer than zero`);
  return seconds;
}

type Source = (envName: string, fileKey: string) => unknown;

function positiveInt(name: string, raw: unknown, def: number, min: number): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`config: ${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Reads the tier settings. `get` looks a setting up by env name, then by its key in the config file's `tiers`
 * object. Checks what the storage layout relies on: each rollup bucket a multiple of the finer tier's bucket (a
 * finer bucket never straddles two coarse ones) and a divisor of a day (a bucket never straddles two day
 * partitions); TTLs that do not shrink from finer to coarser tiers (a query falls back to a coarser tier when a
 * finer one no longer holds the range, so the coarser one must hold at least as much).
 */
export function loadTiers(get: Source, rawBucketSeconds: number): TiersConfig {
  const rollups: RollupTierConfig[] = [
    {
      name: '1m',
      table: 'samples_1m',
      bucketSeconds: positiveInt('HOTPATH_TIER_1M_BUCKET_SECONDS', get('HOTPATH_TIER_1M_BUCKET_SECONDS', 'bucketSeconds1m'), 60, 1),
      maxStacks: positiveInt('HOTPATH_TIER_1M_MAX_STACKS', get('HOTPATH_TIER_1M_MAX_STACKS', 'maxStacks1m'), 2000, 0),
    },
    {
      name: '1h',
      table: 'samples_1h',
      bucketSeconds: positiveInt('HOTPATH_TIER_1H_BUCKET_SECONDS', get('HOTPATH_TIER_1H_BUCKET_SECONDS', 'bucketSeconds1h'), 3600, 1),
      maxStacks: positiveInt('HOTPATH_TIER_1H_MAX_STACKS', get('HOTPATH_TIER_1H_MAX_STACKS', 'maxStacks1h'), 500, 0),
    },
  ];
  let finer = { name: 'HOTPATH_BUCKET_SECONDS', seconds: rawBucketSeconds };
  for (const r of rollups) {
    const name = `HOTPATH_TIER_${r.name.toUpperCase()}_BUCKET_SECONDS`;
    if (r.bucketSeconds % finer.seconds !== 0) throw new Error(`config: ${name} (${r.bucketSeconds}) must be a multiple of ${finer.name} (${finer.seconds})`);
    if (86400 % r.bucketSeconds !== 0) throw new Error(`config: ${name} (${r.bucketSeconds}) must divide a day (86400 s)`);
    if (r.maxStacks === 1) throw new Error(`config: HOTPATH_TIER_${r.name.toUpperCase()}_MAX_STACKS must be 0 (keep all) or at least 2 (one stack and \`other\`)`);
    finer = { name, seconds: r.bucketSeconds };
  }

  const ttlSeconds = {} as Record<TierName, Record<StorageTierName, number>>;
  for (const tier of RETENTION_TIERS) {
    const name = `HOTPATH_TIER_${tier.toUpperCase()}_TTL`;
    const raw = String(get(name, `${tier}Ttl`) ?? DEFAULT_TTL[tier]);
    const parts = raw.split(',');
    if (parts.length !== STORAGE_TIERS.length) throw new Error(`config: ${name} must list ${STORAGE_TIERS.length} durations (${STORAGE_TIERS.join(', ')}), got ${JSON.stringify(raw)}`);
    const seconds = parts.map((p) => parseDuration(name, p));
    for (let i = 1; i < seconds.length; i++) {
      if (seconds[i]! < seconds[i - 1]!) throw new Error(`config: ${name}: the ${STORAGE_TIERS[i]} TTL must not be shorter than the ${STORAGE_TIERS[i - 1]} TTL, got ${JSON.stringify(raw)}`);
    }
    ttlSeconds[tier] = Object.fromEntries(STORAGE_TIERS.map((t, i) => [t, seconds[i]!])) as Record<StorageTierName, number>;
  }

  const enabled = get('HOTPATH_TIER_COMPACT', 'compact');
  return {
    rollups,
    ttlSeconds,
    compaction: {
      enabled: enabled === undefined || enabled === '' ? true : enabled === true || enabled === 'true' || enabled === '1',
      intervalSeconds: positiveInt('HOTPATH_TIER_COMPACT_INTERVAL_SECONDS', get('HOTPATH_TIER_COMPACT_INTERVAL_SECONDS', 'compactIntervalSeconds'), 60, 1),
      delaySeconds: positiveInt('HOTPATH_TIER_COMPACT_DELAY_SECONDS', get('HOTPATH_TIER_COMPACT_DELAY_SECONDS', 'compactDelaySeconds'), 120, 0),
      lookbackSeconds: positiveInt('HOTPATH_TIER_COMPACT_LOOKBACK_SECONDS', get('HOTPATH_TIER_COMPACT_LOOKBACK_SECONDS', 'compactLookbackSeconds'), 10800, 1),
      sweepSeconds: positiveInt('HOTPATH_TIER_COMPACT_SWEEP_SECONDS', get('HOTPATH_TIER_COMPACT_SWEEP_SECONDS', 'compactSweepSeconds'), 3600, 1),
    },
    queryPoints: positiveInt('HOTPATH_TIER_QUERY_POINTS', get('HOTPATH_TIER_QUERY_POINTS', 'queryPoints'), 100, 1),
  };
}

/** The longest a row of `tier` lives in any storage tier. */
export function longestTtl(tiers: TiersConfig, tier: TierName): number {
  return Math.max(...Object.values(tiers.ttlSeconds[tier]));
}

/** The longest a row lives anywhere: what data referenced by every retention tier (stacks) must outlive. */
export function longestTtlOverall(tiers: TiersConfig): number {
  return Math.max(...RETENTION_TIERS.map((t) => longestTtl(tiers, t)));
}
