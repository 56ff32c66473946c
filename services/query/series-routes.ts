/** `GET /api/v1/timeseries` (sums per step, optional groupBy) and `GET /api/v1/series` (api.md "Query"). */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseQuery } from '../../lib/query/selector.ts';
import { parseRange } from '../../lib/time/parse-time.ts';
import { jsonInt } from './json-int.ts';
import type { QueryDeps } from './native-routes.ts';
import { checkRange, limitedSelection, limitedStore, queryLimitsFor } from './query-limits.ts';
import { requestTenant, requireQuery, selectionFrom } from './request.ts';
import { listSeries } from './series.ts';
import { timeseries } from './timeseries.ts';

const Range = { from: Type.Optional(Type.String()), until: Type.Optional(Type.String()) };
const TimeseriesQuery = Type.Object({
  ...Range,
  query: Type.Optional(Type.String()),
  step: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  groupBy: Type.Optional(Type.String()),
});
const SeriesQuery = Type.Object({ ...Range, query: Type.Optional(Type.String()) });

/** `groupBy=a,b` → ['a', 'b']. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function seriesRoutes(app: FastifyInstance, deps: QueryDeps): Promise<void> {
  const { config, store } = deps;

  app.get('/api/v1/timeseries', { schema: { querystring: TimeseriesQuery } }, async (request) => {
    const q = request.query as Static<typeof TimeseriesQuery>;
    const { sel, db } = limitedSelection(config, store, selectionFrom(requestTenant(request, config), requireQuery(q.query), q.from, q.until));
    const result = await timeseries(db, sel, config.bucketSeconds, { stepSeconds: q.step, groupBy: splitList(q.groupBy) });
    return {
      step: result.stepSeconds,
      series: result.series.map((s) => ({ labels: s.labels, points: s.points.map((p) => [p.timestampMs, jsonInt(p.value)]) })),
    };
  });

  app.get('/api/v1/series', { schema: { querystring: SeriesQuery } }, async (request) => {
    const q = request.query as Static<typeof SeriesQuery>;
    const tenant = requestTenant(request, config);
    const { fromMs, untilMs } = parseRange(q.from, q.until, Date.now());
    const limits = queryLimitsFor(config, tenant);
    checkRange({ fromMs, untilMs }, limits);
    const { profileTypeId, matchers } = q.query ? parseQuery(q.query) : { profileTypeId: '', matchers: [] };
    const series = await listSeries(limitedStore(store, limits), { tenant, fromMs, untilMs, profileTypeId, matchers });
    return { series: series.map((s) => ({ profileType: s.profileType, labels: s.labels })) };
  });
}
