/**
 * The one heavy query: the selection's samples summed per stack in ClickHouse, joined to the stacks' frames.
 * Everything the app builds (tree, top, diff, pprof) starts from these summed rows.
 */
import type { Store } from '../../lib/store/store.ts';
import { Params, seriesFilter, serviceEquals, type Selection } from './selection.ts';
import { framesCache } from './frames-cache.ts';
import { serviceSamples } from './service-rollup.ts';
import { chooseTier, type Tier } from './tier.ts';

export interface SummedStack {
  /** Root first. Shared with the frames cache: never modified. */
  frames: readonly string[];
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

/**
 * Stack ids per frames lookup. The ids go into the statement text (the POST body), not into query parameters,
 * which clickhouse-js sends in the URL (a server takes at most 1 MiB of it, the test fixture 16 KiB); 5 000 ids
 * are ~100 KB, under the server's default max_query_size of 256 KiB.
 */
const FRAMES_CHUNK = 5_000;

/**
 * Two statements, not one: the sums, then the frames of exactly the stacks summed. A single statement with the
 * sums as a CTE referenced twice (as the join's input and as the frames filter) made ClickHouse run the GROUP BY
 * twice — measured on 24 h of a 200-pod service: 2.9 s vs 1.7 s without the second reference (BENCHMARKS.md,
 * query benchmark). Joining the frames here costs a Map lookup per stack, and the frames already read by an
 * earlier query come from the frames cache (frames-cache.ts): the second statement asks only for the others.
 */
export async function mergeStacks(store: Store, sel: Selection, rawBucketSeconds: number): Promise<MergedStacks> {
  const tier = chooseTier(store.tiers, rawBucketSeconds, sel);
  const params = new Params();
  // A service-only selection reads the per-service rollups (service-rollup.ts); anything else every series.
  const source = (await serviceSamples(store, sel, tier, params)) ?? `SELECT stack_id, value FROM ${tier.table} WHERE ${samplesWhere(sel, tier, params)}`;
  const sums = await store.select<{ id: string; v: string }>(
    // Not `AS value`: ClickHouse would read the HAVING's `value` as this alias.
    `SELECT toString(stack_id) AS id, toString(sum(value)) AS v FROM (${source}) GROUP BY stack_id HAVING sum(value) != 0`,
    params.values,
  );
  const frames = new Map<string, readonly string[]>();
  const missing: string[] = [];
  for (const r of sums) {
    const f = framesCache.get(sel.tenant, r.id);
    if (f) frames.set(r.id, f);
    else missing.push(r.id);
  }
  for (let i = 0; i < missing.length; i += FRAMES_CHUNK) {
    // BigInt() accepts only an integer: what goes into the SQL text is digits, whatever the rows held.
    const ids = missing.slice(i, i + FRAMES_CHUNK).map((id) => BigInt(id).toString());
    const rows = await store.select<{ id: string; frames: string[] }>(
      `SELECT toString(stack_id) AS id, any(frames) AS frames FROM stacks
       WHERE tenant = {tenant:String} AND stack_id IN (${ids.join(',')}) GROUP BY stack_id`,
      { tenant: sel.tenant },
    );
    for (const r of rows) {
      frames.set(r.id, r.frames);
      framesCache.set(sel.tenant, r.id, r.frames);
    }
  }
  let total = 0n;
  const stacks: SummedStack[] = [];
  // A stack without frames (its row expired or not yet written) is left out, as the inner join did.
  for (const r of sums) {
    const f = frames.get(r.id);
    if (!f) continue;
    const value = BigInt(r.v);
    total += value;
    stacks.push({ frames: f, value });
  }
  return { stacks, total, tier };
}
