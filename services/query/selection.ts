/**
 * A selection: which series (tenant, profile type, label matchers) over which time range. Every query — top,
 * flame graph, diff, series, export, the Grafana API — starts from one, and this file is the only place that
 * turns one into SQL.
 */
import type { Matcher } from '../../lib/query/selector.ts';
import { equivalentLabelNames } from '../../lib/labels/names.ts';
import { toClickHouseRegex } from '../../lib/query/selector.ts';

export interface Selection {
  tenant: string;
  profileTypeId: string;
  matchers: Matcher[];
  fromMs: number;
  untilMs: number;
}

export interface SqlPart {
  sql: string;
  params: Record<string, unknown>;
}

/** Names a parameter uniquely within one query. */
export class Params {
  private n = 0;
  readonly values: Record<string, unknown> = {};
  add(value: unknown): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return name;
  }
}

/** The value of a label in the `labels` map, trying each equivalent spelling (`service.name` / `service_name`). */
export function labelExpr(name: string, params: Params): string {
  const names = equivalentLabelNames(name);
  let expr = `labels[{${params.add(names[names.length - 1])}:String}]`;
  for (let i = names.length - 2; i >= 0; i--) {
    const p = params.add(names[i]);
    expr = `if(mapContains(labels, {${p}:String}), labels[{${p}:String}], ${expr})`;
  }
  return expr;
}

export function matcherSql(m: Matcher, params: Params): string {
  const expr = labelExpr(m.name, params);
  switch (m.op) {
    case '=':
      return `${expr} = {${params.add(m.value)}:String}`;
    case '!=':
      return `${expr} != {${params.add(m.value)}:String}`;
    case '=~':
      return `match(${expr}, {${params.add(toClickHouseRegex(m))}:String})`;
    case '!~':
      return `NOT match(${expr}, {${params.add(toClickHouseRegex(m))}:String})`;
    default:
      throw new Error(`unknown matcher operator ${String((m as Matcher).op)}`);
  }
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `fingerprint IN (…)`: the series of the selection seen on the days of its range. */
export function seriesFilter(sel: Selection, params: Params, profileTypeBound = true): string {
  const where = [
    `tenant = {${params.add(sel.tenant)}:String}`,
    `day >= {${params.add(dayOf(sel.fromMs))}:Date}`,
    `day <= {${params.add(dayOf(sel.untilMs))}:Date}`,
  ];
  if (profileTypeBound) where.push(`profile_type = {${params.add(sel.profileTypeId)}:String}`);
  for (const m of sel.matchers) where.push(matcherSql(m, params));
  return `SELECT fingerprint FROM series WHERE ${where.join(' AND ')}`;
}

/** An equality matcher on service_name narrows the samples scan by its primary key. */
export function serviceEquals(sel: Selection): string | undefined {
  const m = sel.matchers.find((x) => x.op === '=' && equivalentLabelNames(x.name).includes('service_name'));
  return m?.value;
}
