/**
 * Profile types, label names and label values seen in a range, optionally narrowed by a selector. Read from
 * the series index, never from samples.
 */
import type { Matcher } from '../../lib/query/selector.ts';
import type { Store } from '../../lib/store/store.ts';
import type { ProfileType } from '../../lib/profile/model.ts';
import { dayOf, Params, seriesFilter } from './selection.ts';

export interface LabelScope {
  tenant: string;
  fromMs: number;
  untilMs: number;
  /** Optional narrowing: a profile type and matchers (from `query`). */
  profileTypeId?: string;
  matchers?: Matcher[];
}

function scopeWhere(scope: LabelScope, params: Params): string {
  const where = [
    `tenant = {${params.add(scope.tenant)}:String}`,
    `day >= {${params.add(dayOf(scope.fromMs))}:Date}`,
    `day <= {${params.add(dayOf(scope.untilMs))}:Date}`,
  ];
  if (scope.profileTypeId !== undefined) where.push(`profile_type = {${params.add(scope.profileTypeId)}:String}`);
  if (scope.matchers && scope.matchers.length > 0) {
    const sel = { tenant: scope.tenant, profileTypeId: scope.profileTypeId ?? '', matchers: scope.matchers, fromMs: scope.fromMs, untilMs: scope.untilMs };
    where.push(`fingerprint IN (${seriesFilter(sel, params, scope.profileTypeId !== undefined)})`);
  }
  return where.join(' AND ');
}

/** Label names users select on: reserved `__`-prefixed names are internal. */
export async function labelNames(store: Store, scope: LabelScope, includeReserved = false): Promise<string[]> {
  const params = new Params();
  const rows = await store.select<{ name: string }>(
    `SELECT DISTINCT name FROM series_labels WHERE ${scopeWhere(scope, params)} ORDER BY name`,
    params.values,
  );
  return rows.map((r) => r.name).filter((n) => includeReserved || !n.startsWith('__'));
}

export async function labelValues(store: Store, scope: LabelScope, name: string): Promise<string[]> {
  const params = new Params();
  const where = scopeWhere(scope, params);
  const rows = await store.select<{ value: string }>(
    `SELECT DISTINCT value FROM series_labels WHERE ${where} AND name = {${params.add(name)}:String} ORDER BY value`,
    params.values,
  );
  return rows.map((r) => r.value);
}


/** Stored ids were built by the profile model: split, not validated again, so a listing never fails on one. */
function storedProfileType(id: string): ProfileType {
  const [name = '', sampleType = '', sampleUnit = '', periodType = '', periodUnit = ''] = id.split(':');
  return { id, name, sampleType, sampleUnit, periodType, periodUnit };
}

export async function profileTypes(store: Store, scope: LabelScope): Promise<ProfileType[]> {
  const params = new Params();
  const rows = await store.select<{ profile_type: string }>(
    `SELECT DISTINCT profile_type FROM series WHERE ${scopeWhere(scope, params)} ORDER BY profile_type`,
    params.values,
  );
  return rows.map((r) => storedProfileType(r.profile_type));
}
