/**
 * The one heavy query: the selection's samples summed per stack in ClickHouse, joined to the stacks' frames.
 * Everything the app builds (tree, top, diff, pprof) starts from these summed rows.
 */
import type { Store } from '../../lib/store/store.ts';
import { Params, seriesFilter, serviceEquals, type Selection } from './selection.ts';
import { chooseTier, type Tier } from './tier.ts';

export interface SummedStack {
  /** Root first. */
  frames: string[];
  value: bigint;
}

export interface MergedStacks {
  stacks: SummedStack[];
  total: bigint;
  tier: Tier;
}

/** The time and series WHERE clause over a samples table, shared by every samples query. */
export function samplesWhere(sel: Selection, tier: Tier, params: Params): string {
  const fromBucket = Math.floor(sel.fromMs / 1000 / tier.bucketSeconds) * tier.bucketSeconds;
  const untilS = Math.ceil(sel.untilMs / 1000);
  const where = [
    `tenant = {${params.add(sel.tenant)}:String}`,
    `profile_type = {${params.add(sel.profileTypeId)}:String}`,
    `bucket >= toDateTime({${params.add(fromBucket)}:UInt32})`,
    `bucket < toDateTime({${params.add(untilS)}:UInt32})`,
  ];
  const service = serviceEquals(sel);
  if (service !== undefined) where.push(`service = {${params.add(service)}:String}`);
  where.push(`fingerprint IN (${seriesFilter(sel, params)})`);
  return where.join(' AND ');
}

export async function mergeStacks(store: Store, sel: Selection, rawBucketSeconds: number): Promise<MergedStacks> {
  const tier = chooseTier(store.tiers, rawBucketSeconds, sel);
  const params = new Params();
  const where = samplesWhere(sel, tier, params);
  const tenant = params.add(sel.tenant);
  const sql = `
    WITH sums AS (
      SELECT stack_id, sum(value) AS v FROM ${tier.table} WHERE ${where} GROUP BY stack_id HAVING v != 0
    )
    SELECT st.frames AS frames, toString(sums.v) AS value
    FROM sums
    INNER JOIN (
      SELECT stack_id, any(frames) AS frames FROM stacks
      WHERE tenant = {${tenant}:String} AND stack_id IN (SELECT stack_id FROM sums)
      GROUP BY stack_id
    ) AS st USING stack_id`;
  const rows = await store.select<{ frames: string[]; value: string }>(sql, params.values);
  let total = 0n;
  const stacks = rows.map((r) => {
    const value = BigInt(r.value);
    total += value;
    return { frames: r.frames, value };
  });
  return { stacks, total, tier };
}
