/**
 * A selection's values over time (api.md `/api/v1/timeseries`, Connect SelectSeries, the render timeline): sums
 * per step, optionally split by label values. All summing happens in ClickHouse over the tier chooseTier picks;
 * group-by label values come from the series index joined on fingerprint.
 *
 * Steps are whole multiples of the tier's bucket (a bucket is never split between two points) and points sit at
 * step-aligned instants (unix time divisible by the step), each summing the buckets that start in
 * [t, t + step). Only steps holding data get a point.
 */
import { HotpathError } from '../../lib/errors.ts';
import { labelNamesEquivalent } from '../../lib/labels/names.ts';
import type { Store } from '../../lib/store/store.ts';
import { labelExpr, Params, seriesFilter, type Selection } from './selection.ts';
import { serviceTierSamples } from './service-rollup.ts';
import { samplesWhere } from './stacks.ts';
import { chooseTier, type Tier } from './tier.ts';

/** Default resolution when the caller names no step: about this many points over the range. */
const DEFAULT_POINTS = 1000;
/** More points than this per series is refused (as Prometheus does): the step is too small for the range. */
export const MAX_POINTS = 11_000;

export interface Point {
  timestampMs: number;
  value: bigint;
}

export interface TimeSeries {
  /** The group-by labels of this series (absent labels left out); empty without groupBy. */
  labels: Record<string, string>;
  points: Point[];
  total: bigint;
}

export interface TimeseriesResult {
  stepSeconds: number;
  tier: Tier;
  series: TimeSeries[];
}

export interface TimeseriesOptions {
  /** Seconds; rounded up to a multiple of the tier's bucket. Absent: about 1000 points over the range. */
  stepSeconds?: number;
  groupBy?: string[];
  /** Keep only the `limit` series with the largest totals. */
  limit?: number;
}

export function resolveStep(requested: number | undefined, sel: Selection, tier: Tier): number {
  const rangeS = (sel.untilMs - sel.fromMs) / 1000;
  if (requested !== undefined && !(Number.isFinite(requested) && requested >= 0.001)) {
    throw new HotpathError('bad_request', `step must be >= 1ms (a number of seconds), got ${requested}`);
  }
  const wanted = requested ?? rangeS / DEFAULT_POINTS;
  const step = Math.max(1, Math.ceil(wanted / tier.bucketSeconds)) * tier.bucketSeconds;
  const points = Math.ceil(rangeS / step);
  if (points > MAX_POINTS) {
    throw new HotpathError('bad_request', `step ${step}s gives ${points} points over the range, more than the limit of ${MAX_POINTS}; use a larger step`);
  }
  return step;
}

/** Group-by names once each, in the order given (a name and its dotted/underscored twin count once). */
function distinctNames(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) if (n !== '' && !out.some((o) => labelNamesEquivalent(o, n))) out.push(n);
  return out;
}

export async function timeseries(store: Store, sel: Selection, rawBucketSeconds: number, opts: TimeseriesOptions = {}): Promise<TimeseriesResult> {
  const tier = chooseTier(store.tiers, rawBucketSeconds, sel, { stepSeconds: opts.stepSeconds ?? (sel.untilMs - sel.fromMs) / 1000 / DEFAULT_POINTS });
  const stepSeconds = resolveStep(opts.stepSeconds, sel, tier);
  const groupBy = distinctNames(opts.groupBy ?? []);
  const params = new Params();
  const step = params.add(stepSeconds);
  const t = `intDiv(toUInt32(bucket), {${step}:UInt32}) * {${step}:UInt32}`;
  let sql: string;
  if (groupBy.length === 0) {
    // A service-only selection reads the service's summed rows (service-rollup.ts); anything else every series.
    const source = (await serviceTierSamples(store, sel, tier, params)) ?? `SELECT bucket, value FROM ${tier.table} WHERE ${samplesWhere(sel, tier, params)}`;
    sql = `SELECT toString(${t}) AS t, toString(sum(value)) AS value FROM (${source}) GROUP BY t ORDER BY t`;
  } else {
    const where = samplesWhere(sel, tier, params);
    const cols = groupBy.map((_, i) => `g${i}`);
    const labelCols = groupBy.map((name, i) => `any(${labelExpr(name, params)}) AS g${i}`).join(', ');
    const seriesWhere = `tenant = {${params.add(sel.tenant)}:String} AND profile_type = {${params.add(sel.profileTypeId)}:String} AND fingerprint IN (${seriesFilter(sel, params)})`;
    sql = `
      SELECT ${cols.join(', ')}, toString(${t}) AS t, toString(sum(s.v)) AS value
      FROM (SELECT fingerprint, bucket, sum(value) AS v FROM ${tier.table} WHERE ${where} GROUP BY fingerprint, bucket) AS s
      INNER JOIN (SELECT fingerprint, ${labelCols} FROM series WHERE ${seriesWhere} GROUP BY fingerprint) AS l
        ON s.fingerprint = l.fingerprint
      GROUP BY ${cols.join(', ')}, t
      ORDER BY ${cols.join(', ')}, t`;
  }
  const rows = await store.select<Record<string, string>>(sql, params.values);

  const byKey = new Map<string, TimeSeries>();
  for (const r of rows) {
    const values = groupBy.map((_, i) => r[`g${i}`] ?? '');
    const key = JSON.stringify(values);
    let series = byKey.get(key);
    if (!series) {
      const labels: Record<string, string> = {};
      groupBy.forEach((name, i) => {
        if (values[i] !== '') labels[name] = values[i]!;
      });
      series = { labels, points: [], total: 0n };
      byKey.set(key, series);
    }
    const value = BigInt(r.value!);
    series.points.push({ timestampMs: Number(r.t) * 1000, value });
    series.total += value;
  }
  let series = [...byKey.values()];
  if (opts.limit !== undefined && opts.limit > 0 && series.length > opts.limit) {
    const kept = new Set([...series].sort((a, b) => (a.total === b.total ? 0 : a.total > b.total ? -1 : 1)).slice(0, opts.limit));
    series = series.filter((s) => kept.has(s));
  }
  return { stepSeconds, tier, series };
}
