/**
 * The per-service read path: a selection whose only matcher is `service_name = X` (or that and `version = V`, as
 * the report, gates and canary diffs ask) is summed from the per-service rollups
 * (schemas/clickhouse/008_service_rollups.sql) instead of every series of the service.
 *
 * The answer is the same set of samples the per-series tier chosen for the range (tier.ts) would sum — same edges,
 * same totals — read from fewer rows: the range, on that tier's bucket grid, is cut into the coarsest whole
 * buckets that fit (whole hours from service_samples_1h, whole minutes around them from service_samples_1m, and,
 * when the chosen tier is raw, the raw buckets left at the edges from samples_raw by service). For 24 h of a
 * 200-pod service that is ~24 × (stacks per hour) rows instead of ~170 M (BENCHMARKS.md, query benchmark). A time
 * series without a label split reads the same tier's per-service table (its points are that tier's buckets).
 *
 * Exact only for `service_name` spelled so: the samples' `service` column is that label's value (the aggregator's
 * batch), while a matcher on `service.name` reads whichever spelling a series has first (lib/labels/names.ts).
 */
import { serviceRollupTable } from '../../lib/store/tiers-ddl.ts';
import type { Store } from '../../lib/store/store.ts';
import { Params, type Selection } from './selection.ts';
import type { Tier } from './tier.ts';

/** A table and the bucket size of its rows. */
export interface Level {
  table: string;
  bucketSeconds: number;
}

/** Half-open [fromS, untilS) of one table, bucket-aligned. */
export interface Segment extends Level {
  fromS: number;
  untilS: number;
}

/** What a selection the per-service tables can answer names: a service, and maybe one of its versions. */
export interface ServiceScope {
  service: string;
  version?: string;
}

/**
 * The service (and version) a selection is exactly: `service_name = X`, optionally with `version = V`, and no
 * other matcher; undefined otherwise. Both names are matched as spelled: `version` has no other spelling
 * (lib/labels/names.ts), and `service_name` is the one the samples' `service` column holds.
 */
export function selectedService(sel: Selection): ServiceScope | undefined {
  if (sel.matchers.length < 1 || sel.matchers.length > 2) return undefined;
  const service = sel.matchers.find((m) => m.op === '=' && m.name === 'service_name');
  const version = sel.matchers.find((m) => m.op === '=' && m.name === 'version');
  if (!service || sel.matchers.length !== 1 + (version ? 1 : 0)) return undefined;
  return version ? { service: service.value, version: version.value } : { service: service.value };
}

/**
 * Cuts [fromS, untilS) into segments: the coarsest level takes every whole bucket of its size inside, the finer
 * levels the pieces left on either side, recursively. `levels` finest first; each bucket size a multiple of the
 * finer one's, and fromS/untilS on the finest grid, so the pieces always come out whole.
 */
export function planSegments(fromS: number, untilS: number, levels: Level[]): Segment[] {
  if (fromS >= untilS || levels.length === 0) return [];
  const level = levels[levels.length - 1]!;
  const finer = levels.slice(0, -1);
  const a = Math.ceil(fromS / level.bucketSeconds) * level.bucketSeconds;
  const b = Math.floor(untilS / level.bucketSeconds) * level.bucketSeconds;
  if (a >= b) return planSegments(fromS, untilS, finer);
  return [...planSegments(fromS, a, finer), { ...level, fromS: a, untilS: b }, ...planSegments(b, untilS, finer)];
}

/** The levels that can serve a range whose edges lie on `tier`'s grid: that tier (by service), then coarser per-service tables. */
export function serviceLevels(store: Store, tier: Tier): Level[] {
  const levels: Level[] = tier.name === 'raw' ? [{ table: tier.table, bucketSeconds: tier.bucketSeconds }] : [];
  for (const r of store.tiers.rollups) {
    if (r.bucketSeconds >= tier.bucketSeconds) levels.push({ table: serviceRollupTable(r.table), bucketSeconds: r.bucketSeconds });
  }
  return levels;
}

/** The scope of a service-only selection whose range the per-service tables hold, with its bucket-aligned range. */
async function servedRange(store: Store, sel: Selection, tier: Tier): Promise<{ scope: ServiceScope; fromS: number; untilS: number } | undefined> {
  const scope = selectedService(sel);
  if (scope === undefined) return undefined;
  const since = await store.serviceRollupStart();
  const fromS = Math.floor(sel.fromMs / 1000 / tier.bucketSeconds) * tier.bucketSeconds;
  if (since === undefined || fromS < since) return undefined;
  // The same buckets as samplesWhere's `bucket < ceil(until)`: every bucket of the grid that starts before it.
  const untilS = Math.ceil(Math.ceil(sel.untilMs / 1000) / tier.bucketSeconds) * tier.bucketSeconds;
  return { scope, fromS, untilS };
}

function serviceKey(sel: Selection, scope: ServiceScope, params: Params): string {
  const key = `tenant = {${params.add(sel.tenant)}:String} AND profile_type = {${params.add(sel.profileTypeId)}:String} AND service = {${params.add(scope.service)}:String}`;
  return scope.version === undefined ? key : `${key} AND version = {${params.add(scope.version)}:String}`;
}

/**
 * The rows to sum (`stack_id`, `value`) for a service-only selection, as a subquery; undefined when the
 * selection is not one, or its range starts before the per-service tables are complete.
 */
export async function serviceSamples(store: Store, sel: Selection, tier: Tier, params: Params): Promise<string | undefined> {
  const range = await servedRange(store, sel, tier);
  if (!range) return undefined;
  const segments = planSegments(range.fromS, range.untilS, serviceLevels(store, tier));
  if (segments.length === 0) return undefined;
  const key = serviceKey(sel, range.scope, params);
  const byTable = new Map<string, Segment[]>();
  for (const s of segments) byTable.set(s.table, [...(byTable.get(s.table) ?? []), s]);
  const parts = [...byTable].map(([table, segs]) => {
    const ranges = segs.map((s) => `(bucket >= toDateTime({${params.add(s.fromS)}:UInt32}) AND bucket < toDateTime({${params.add(s.untilS)}:UInt32}))`);
    return `SELECT stack_id, value FROM ${table} WHERE ${key} AND (${ranges.join(' OR ')})`;
  });
  return parts.join(' UNION ALL ');
}

/**
 * The rows (`bucket`, `value`) of a time series of a service-only selection, in the tier's own buckets (a time
 * series keeps its points, so no coarser table serves it): the tier's per-service table, or raw by service.
 */
export async function serviceTierSamples(store: Store, sel: Selection, tier: Tier, params: Params): Promise<string | undefined> {
  const range = await servedRange(store, sel, tier);
  if (!range) return undefined;
  const table = tier.name === 'raw' ? tier.table : serviceRollupTable(tier.table);
  return `SELECT bucket, value FROM ${table} WHERE ${serviceKey(sel, range.scope, params)}
    AND bucket >= toDateTime({${params.add(range.fromS)}:UInt32}) AND bucket < toDateTime({${params.add(range.untilS)}:UInt32})`;
}
