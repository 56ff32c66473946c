/**
 * The series a selector matches in a range (api.md `/api/v1/series`, Connect Series): each one's profile type and
 * label set, read from the series index, never from samples.
 */
import type { Matcher } from '../../lib/query/selector.ts';
import type { Store } from '../../lib/store/store.ts';
import { dayOf, Params, seriesFilter } from './selection.ts';

export interface SeriesScope {
  tenant: string;
  fromMs: number;
  untilMs: number;
  /** Absent: every profile type. */
  profileTypeId?: string;
  matchers: Matcher[];
}

export interface SeriesEntry {
  profileType: string;
  labels: Record<string, string>;
}

function compareEntries(a: SeriesEntry, b: SeriesEntry): number {
  const ka = JSON.stringify([a.profileType, Object.entries(a.labels).sort()]);
  const kb = JSON.stringify([b.profileType, Object.entries(b.labels).sort()]);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export async function listSeries(store: Store, scope: SeriesScope): Promise<SeriesEntry[]> {
  const params = new Params();
  const bound = scope.profileTypeId !== undefined && scope.profileTypeId !== '';
  const sel = { ...scope, profileTypeId: scope.profileTypeId ?? '' };
  const where = [
    `tenant = {${params.add(scope.tenant)}:String}`,
    `day >= {${params.add(dayOf(scope.fromMs))}:Date}`,
    `day <= {${params.add(dayOf(scope.untilMs))}:Date}`,
    `fingerprint IN (${seriesFilter(sel, params, bound)})`,
  ];
  if (bound) where.push(`profile_type = {${params.add(scope.profileTypeId)}:String}`);
  const rows = await store.select<{ profile_type: string; labels: Record<string, string> }>(
    `SELECT profile_type, any(labels) AS labels FROM series WHERE ${where.join(' AND ')} GROUP BY profile_type, fingerprint`,
    params.values,
  );
  return rows.map((r) => ({ profileType: r.profile_type, labels: r.labels })).sort(compareEntries);
}
