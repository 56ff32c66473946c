/**
 * Downsampling of the rollup tiers: once a coarse bucket is closed, each (series, bucket) keeps its K largest
 * stacks (K = the tier's maxStacks, the `other` stack included) and the rest is summed into one `other` stack.
 *
 * Why here, as a scheduled step over closed buckets, and not at flush time: a flush holds one batch — about a
 * second of profiles — so a per-batch top K would bound nothing per bucket (an hour bucket receives thousands of
 * batches, each with its own top K, and their union is what stays), and the rollup views only ever see one insert
 * block. Only after a bucket has closed are its per-stack sums known, and only then is "the K largest" a property
 * of the bucket. The step is cheap because ClickHouse computes the tail (one GROUP BY and a window over the
 * closed buckets since the last pass) and only the tail travels.
 *
 * Why it is exact: the fold is written as a correction — every tail stack once more with its value negated, and
 * one `other` row with their sum — so the (series, bucket) total is unchanged at every instant. The correction of
 * one (series, bucket) is always inside one insert block, and so inside one part (all its rows share a partition:
 * the same retention and day): a query sees all of it or none of it, and a crash cannot leave half of it.
 * SummingMergeTree then removes the tail rows, now summing to zero, on merge: storage shrinks to K rows. A second
 * pass over the same bucket finds at most K stacks and writes nothing, so passes may repeat; late rows that reach
 * a folded bucket are folded by the next pass that covers it. Run it in one process (HOTPATH_TIER_COMPACT): two
 * compactors folding the same bucket from different snapshots would both negate a tail stack (totals stay exact,
 * but that stack's value would go below zero); identical snapshots give identical blocks, deduplicated by token.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { RollupTierConfig, TiersConfig } from '../config/tiers.ts';
import type { Store } from './store.ts';

/**
 * The stack every fold adds to: id 0. Real ids are 64-bit hashes of frame names (lib/profile/hash.ts), so one
 * equal to 0 has the odds of any other 64-bit collision.
 */
export const OTHER_STACK_ID = '0';
export const OTHER_FRAMES = ['other'];

/** Rows per insert; a (series, bucket)'s correction is never split between two inserts. */
const CHUNK_ROWS = 50_000;

interface TailRow {
  tenant: string;
  profile_type: string;
  service: string;
  fp: string;
  b: number;
  retention: string;
  sid: string;
  v: string;
  ins: number;
}

interface CorrectionRow {
  tenant: string;
  profile_type: string;
  service: string;
  fingerprint: string;
  bucket: number;
  retention: string;
  stack_id: string;
  value: string;
  inserted_at: number;
}

export interface FoldResult {
  tier: string;
  /** (series, bucket) groups folded. */
  groups: number;
  /** Stacks moved into `other`. */
  stacks: number;
}

/** The tail of every (series, bucket) in [fromS, untilS) of a tier that holds more than maxStacks stacks. */
function tailSql(table: string): string {
  const group = 'tenant, profile_type, service, fingerprint, bucket, retention';
  return `
    SELECT tenant, profile_type, service, toString(fingerprint) AS fp, toUInt32(bucket) AS b, retention,
           toString(stack_id) AS sid, toString(v) AS v, toUInt32(ins) AS ins
    FROM (
      SELECT *, row_number() OVER ranked AS rank, count() OVER g AS n, max(stack_id = 0) OVER g AS has_other
      FROM (
        SELECT ${group}, stack_id, sum(value) AS v, max(inserted_at) AS ins
        FROM ${table}
        WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({until:UInt32})
        GROUP BY ${group}, stack_id
        HAVING v != 0
      )
      WINDOW g AS (PARTITION BY ${group}),
             ranked AS (PARTITION BY ${group} ORDER BY stack_id = 0 DESC, abs(v) DESC, stack_id)
    )
    -- Keep \`other\` (ranked first when present) and the largest stacks by magnitude (delta profiles have negative
    -- values), K rows in all; the rest is the tail.
    WHERE n > {k:UInt32} AND stack_id != 0 AND rank > {k:UInt32} - 1 + has_other
    ORDER BY ${group}, stack_id`;
}

/** Correction rows of one (series, bucket): each tail stack negated, and their sum as `other`. */
function correction(tail: TailRow[]): CorrectionRow[] {
  const first = tail[0]!;
  const base = { tenant: first.tenant, profile_type: first.profile_type, service: first.service, fingerprint: first.fp, bucket: Number(first.b), retention: first.retention };
  let sum = 0n;
  let ins = 0;
  const rows: CorrectionRow[] = tail.map((t) => {
    sum += BigInt(t.v);
    ins = Math.max(ins, Number(t.ins));
    return { ...base, stack_id: t.sid, value: String(-BigInt(t.v)), inserted_at: Number(t.ins) };
  });
  rows.push({ ...base, stack_id: OTHER_STACK_ID, value: String(sum), inserted_at: ins });
  return rows;
}

const groupKey = (t: TailRow) => `${t.tenant}\u0000${t.profile_type}\u0000${t.service}\u0000${t.fp}\u0000${t.b}\u0000${t.retention}`;

/** Folds the closed buckets of one tier in [fromS, untilS). */
export async function foldTier(store: Store, tier: RollupTierConfig, fromS: number, untilS: number, nowS = Math.floor(Date.now() / 1000)): Promise<FoldResult> {
  const result: FoldResult = { tier: tier.name, groups: 0, stacks: 0 };
  if (tier.maxStacks === 0 || untilS <= fromS) return result;
  const tail = await store.select<TailRow>(tailSql(tier.table), { from: fromS, until: untilS, k: tier.maxStacks });
  if (tail.length === 0) return result;

  // The `other` stack must exist before any sample points at it: queries join samples to stacks.
  const tenants = [...new Set(tail.map((t) => t.tenant))];
  await store.insertRows('stacks', tenants.map((tenant) => ({ tenant, stack_id: OTHER_STACK_ID, frames: OTHER_FRAMES, last_seen: nowS })));

  let chunk: CorrectionRow[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const token = `fold:${tier.table}:${createHash('sha256').update(JSON.stringify(chunk)).digest('hex')}`;
    await store.insertRows(tier.table, chunk, token);
    chunk = [];
  };
  for (let i = 0; i < tail.length; ) {
    const key = groupKey(tail[i]!);
    let j = i;
    while (j < tail.length && groupKey(tail[j]!) === key) j++;
    const rows = correction(tail.slice(i, j));
    if (chunk.length + rows.length > CHUNK_ROWS) await flush();
    chunk.push(...rows);
    result.groups++;
    result.stacks += j - i;
    i = j;
  }
  await flush();
  return result;
}

/** Runs the folds on a schedule over each rollup tier's buckets closed since the previous pass. */
export class Compactor {
  private timer?: NodeJS.Timeout;
  private running: Promise<FoldResult[]> | null = null;
  /** Per tier: the end of the last pass (epoch seconds). */
  private readonly done = new Map<string, number>();
  /** When the last sweep over the whole lookback window ran (epoch seconds). */
  private lastSweepS = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly tiers: TiersConfig,
    private readonly log?: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      void this.runOnce().catch((err) => this.log?.error({ err }, 'downsampling pass failed; the next pass retries'));
    }, this.tiers.compaction.intervalSeconds * 1000);
    this.timer.unref();
  }

  /**
   * One pass: per tier, the buckets that ended at least `delaySeconds` ago, from where the previous pass ended
   * (less one bucket or one delay, for rows that arrived just late) — or, in a sweep (the first pass, then every
   * `sweepSeconds`), from `lookbackSeconds` ago, for rows that arrived later still.
   */
  runOnce(nowMs = Date.now()): Promise<FoldResult[]> {
    if (this.running) return this.running;
    this.running = (async () => {
      const out: FoldResult[] = [];
      const nowS = Math.floor(nowMs / 1000);
      const { delaySeconds, lookbackSeconds, sweepSeconds } = this.tiers.compaction;
      const sweep = nowS - this.lastSweepS >= sweepSeconds;
      if (sweep) this.lastSweepS = nowS;
      for (const tier of this.tiers.rollups) {
        const b = tier.bucketSeconds;
        // Buckets (epoch-aligned) that start before untilS have ended by now - delay.
        const untilS = Math.floor((nowS - delaySeconds) / b) * b;
        const last = this.done.get(tier.name);
        const fromS = Math.floor((sweep || last === undefined ? nowS - lookbackSeconds : last - Math.max(b, delaySeconds)) / b) * b;
        const r = await foldTier(this.store, tier, fromS, untilS, nowS);
        this.done.set(tier.name, untilS);
        if (r.groups > 0) this.log?.info(r, 'downsampled closed buckets');
        out.push(r);
      }
      return out;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => {});
  }
}
