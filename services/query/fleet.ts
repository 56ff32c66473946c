/**
 * Fleet facts per service over a window — what the KPI pack, the report, the gates and the guardrail metrics are
 * computed from. All read the raw tier (`samples_raw`): counting arrivals needs the ingest resolution, so these
 * windows must lie within the raw tier's retention.
 *
 * A "profile" here is one label set's data in one raw bucket: an upload of one pod lands in one bucket, and its
 * sample types (CPU time and sample count of one Go CPU profile) share a label set, so they count once. Reserved
 * labels (`__name__`…) are left out of the label set for that reason.
 */
import type { Store } from '../../lib/store/store.ts';
import { dayOf, labelExpr, Params } from './selection.ts';
import { UNSYMBOLIZED_PATTERN } from './symbols.ts';

export interface FleetScope {
  tenant: string;
  fromMs: number;
  untilMs: number;
  /** One service, or every service of the tenant with data in the window. */
  service?: string;
}

export interface LabelSetFacts {
  service: string;
  labels: Record<string, string>;
  /** Raw bucket starts (unix seconds) in which this label set has data. */
  buckets: number[];
}

export interface BuildSymbols {
  service: string;
  buildId: string;
  frames: number;
  unsymbolized: number;
}

/** `tenant = … AND bucket in range [AND service = …]` over samples_raw. */
function rawWhere(scope: FleetScope, params: Params): string {
  const where = [
    `tenant = {${params.add(scope.tenant)}:String}`,
    `bucket >= toDateTime({${params.add(Math.floor(scope.fromMs / 1000))}:UInt32})`,
    `bucket < toDateTime({${params.add(Math.ceil(scope.untilMs / 1000))}:UInt32})`,
  ];
  if (scope.service !== undefined) where.push(`service = {${params.add(scope.service)}:String}`);
  return where.join(' AND ');
}

function seriesWhere(scope: FleetScope, params: Params): string {
  return [`tenant = {${params.add(scope.tenant)}:String}`, `day >= {${params.add(dayOf(scope.fromMs))}:Date}`, `day <= {${params.add(dayOf(scope.untilMs))}:Date}`].join(' AND ');
}

/** Every label set with data in the window, per service, with the buckets it has data in. */
export async function labelSets(store: Store, scope: FleetScope): Promise<LabelSetFacts[]> {
  const params = new Params();
  const sql = `
    SELECT s.service AS service, any(ser.labels) AS labels, groupUniqArray(toUInt32(s.bucket)) AS buckets
    FROM (SELECT DISTINCT service, fingerprint, bucket FROM samples_raw WHERE ${rawWhere(scope, params)}) AS s
    INNER JOIN (
      SELECT fingerprint, mapFilter((k, v) -> NOT startsWith(k, '__'), any(labels)) AS labels
      FROM series WHERE ${seriesWhere(scope, params)} GROUP BY fingerprint
    ) AS ser USING fingerprint
    GROUP BY s.service, toString(ser.labels)`;
  const rows = await store.select<{ service: string; labels: Record<string, string>; buckets: (number | string)[] }>(sql, params.values);
  return rows.map((r) => ({ service: r.service, labels: r.labels, buckets: r.buckets.map(Number).sort((a, b) => a - b) }));
}

/** Distinct frames of the stacks with data in the window, and how many of them are unsymbolized, per build id. */
export async function symbolCoverage(store: Store, scope: FleetScope): Promise<BuildSymbols[]> {
  const params = new Params();
  const tenant = params.add(scope.tenant);
  const sql = `
    WITH used AS (SELECT DISTINCT service, fingerprint, stack_id FROM samples_raw WHERE ${rawWhere(scope, params)})
    SELECT service, build_id, toUInt64(uniqExact(frame)) AS frame_count, toUInt64(uniqExactIf(frame, match(frame, {${params.add(UNSYMBOLIZED_PATTERN)}:String}))) AS unsymbolized_count
    FROM (
      SELECT used.service AS service, ser.build_id AS build_id, st.frames AS stack_frames
      FROM used
      INNER JOIN (SELECT fingerprint, any(${labelExpr('build_id', params)}) AS build_id FROM series WHERE ${seriesWhere(scope, params)} GROUP BY fingerprint) AS ser USING fingerprint
      INNER JOIN (
        SELECT stack_id, any(frames) AS frames FROM stacks
        WHERE tenant = {${tenant}:String} AND stack_id IN (SELECT stack_id FROM used) GROUP BY stack_id
      ) AS st USING stack_id
    )
    ARRAY JOIN stack_frames AS frame
    GROUP BY service, build_id
    ORDER BY service, build_id`;
  const rows = await store.select<{ service: string; build_id: string; frame_count: string | number; unsymbolized_count: string | number }>(sql, params.values);
  return rows.map((r) => ({ service: r.service, buildId: r.build_id, frames: Number(r.frame_count), unsymbolized: Number(r.unsymbolized_count) }));
}

/** The newest raw bucket (unix seconds) per service within a day before the window's end. */
export async function newestBuckets(store: Store, scope: FleetScope): Promise<Map<string, number>> {
  const params = new Params();
  const where = rawWhere({ ...scope, fromMs: Math.min(scope.fromMs, scope.untilMs - 86_400_000) }, params);
  const rows = await store.select<{ service: string; newest: number | string }>(`SELECT service, toUInt32(max(bucket)) AS newest FROM samples_raw WHERE ${where} GROUP BY service`, params.values);
  return new Map(rows.map((r) => [r.service, Number(r.newest)]));
}

/** Rows stored per service in each samples table (every row the tier's TTL has not dropped yet, unmerged parts included). */
export async function storedRows(store: Store, tenant: string, tables: { name: string; table: string }[], service?: string): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const t of tables) {
    const params = new Params();
    const where = [`tenant = {${params.add(tenant)}:String}`];
    if (service !== undefined) where.push(`service = {${params.add(service)}:String}`);
    const rows = await store.select<{ service: string; n: number | string }>(`SELECT service, toUInt64(count()) AS n FROM ${t.table} WHERE ${where.join(' AND ')} GROUP BY service`, params.values);
    for (const r of rows) {
      const byTier = out.get(r.service) ?? {};
      byTier[t.name] = Number(r.n);
      out.set(r.service, byTier);
    }
  }
  return out;
}
