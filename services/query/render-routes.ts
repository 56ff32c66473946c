/**
 * Pyroscope's legacy HTTP query API (compat-details §4): `/pyroscope/render` (flamebearer JSON with a timeline),
 * `/pyroscope/render-diff`, `/pyroscope/label-names`, `/pyroscope/label-values`. Same query module as /api/v1;
 * this file only shapes the answers. Times follow Pyroscope's attime grammar (`now-1h`, unix s/ms …), as the
 * clients of this API send it. Errors use api.md's body, like every other non-Connect route.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HotpathError } from '../../lib/errors.ts';
import { parseQuery, type ProfileType } from '../../lib/query/selector.ts';
import { parseIngestTime } from '../../lib/time/parse-time.ts';
import { sameProfileType } from './diff-routes.ts';
import { diffTree } from './diff.ts';
import { encodeFlameGraph, encodeFlameGraphDiff, type FlameGraph } from './flamegraph-encoding.ts';
import { labelNames, labelValues, profileTypes, type LabelScope } from './labels.ts';
import { parseProfileTypeId } from '../../lib/query/selector.ts';
import type { QueryDeps } from './native-routes.ts';
import { checkMaxNodes, checkRange, limitedSelection, limitedStore, queryLimitsFor, type QueryLimits } from './query-limits.ts';
import { requestTenant, requireQuery } from './request.ts';
import type { Selection } from './selection.ts';
import { mergeStacks } from './stacks.ts';
import { timeseries, type TimeSeries } from './timeseries.ts';
import { flameTree } from './tree.ts';

const Range = { from: Type.Optional(Type.String()), until: Type.Optional(Type.String()) };
const MaxNodes = { maxNodes: Type.Optional(Type.String()), 'max-nodes': Type.Optional(Type.String()) };
const RenderQuery = Type.Object({
  ...Range,
  ...MaxNodes,
  query: Type.Optional(Type.String()),
  format: Type.Optional(Type.String()),
  aggregation: Type.Optional(Type.String()),
  groupBy: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});
const RenderDiffQuery = Type.Object({
  ...MaxNodes,
  leftQuery: Type.Optional(Type.String()),
  leftFrom: Type.Optional(Type.String()),
  leftUntil: Type.Optional(Type.String()),
  rightQuery: Type.Optional(Type.String()),
  rightFrom: Type.Optional(Type.String()),
  rightUntil: Type.Optional(Type.String()),
});
const LabelsQuery = Type.Object({ ...Range, query: Type.Optional(Type.String()), label: Type.Optional(Type.String()) });

/** attime `from`/`until` (default the last hour); `from` must be before `until`. */
export function renderRange(from: string | undefined, until: string | undefined, nowMs = Date.now()): { fromMs: number; untilMs: number } {
  const fromMs = parseIngestTime(from === undefined || from === '' ? 'now-1h' : from, nowMs);
  const untilMs = parseIngestTime(until === undefined || until === '' ? 'now' : until, nowMs);
  if (fromMs >= untilMs) {
    throw new HotpathError('invalid_time_range', `from ${JSON.stringify(from ?? 'now-1h')} must be before until ${JSON.stringify(until ?? 'now')}`);
  }
  return { fromMs, untilMs };
}

/** `maxNodes` / `max-nodes`: non-integers ignored, `maxNodes` wins, 0 or absent → the default. */
export function renderMaxNodes(q: { maxNodes?: string; 'max-nodes'?: string }, limits: QueryLimits): number {
  const read = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : 0);
  const n = read(q.maxNodes) || read(q['max-nodes']);
  return checkMaxNodes(n === 0 ? undefined : n, limits);
}

/** Timeline resolutions Pyroscope rounds to (CalcPointInterval), seconds. */
const INTERVALS = [15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800, 2592000, 31536000];

/** About 1500 points over the range, rounded up to the table, at least 15 s. */
export function pointInterval(fromMs: number, untilMs: number): number {
  const wanted = (untilMs - fromMs) / 1000 / 1500;
  return INTERVALS.find((s) => s >= wanted) ?? INTERVALS[INTERVALS.length - 1]!;
}

/** metadata.units / sampleRate as Pyroscope's UI expects them (compat-details §4.1). */
export function renderUnits(type: ProfileType): { units: string; sampleRate: number } {
  if (['inuse_objects', 'alloc_objects', 'goroutine', 'samples'].includes(type.sampleType)) return { units: 'objects', sampleRate: 100 };
  if (type.sampleType === 'cpu') return { units: 'samples', sampleRate: 1_000_000_000 };
  return { units: type.sampleUnit, sampleRate: 100 };
}

function flamebearer(fg: FlameGraph, numTicks: bigint) {
  return { names: fg.names, levels: fg.levels.map((l) => l.map(Number)), numTicks: Number(numTicks), maxSelf: Number(fg.maxSelf) };
}

interface Timeline {
  startTime: number;
  samples: number[];
  durationDelta: number;
  watermarks: null;
}

/** Zero-filled samples from the step-floored start to the step-floored end; points outside are dropped. */
export function timelineOf(series: TimeSeries | undefined, fromMs: number, untilMs: number, stepSeconds: number): Timeline {
  const start = Math.floor(fromMs / 1000 / stepSeconds) * stepSeconds;
  const end = Math.floor(untilMs / 1000 / stepSeconds) * stepSeconds;
  const samples = new Array<number>(Math.max(0, (end - start) / stepSeconds)).fill(0);
  for (const p of series?.points ?? []) {
    const i = Math.floor((p.timestampMs / 1000 - start) / stepSeconds);
    if (i >= 0 && i < samples.length) samples[i] += Number(p.value);
  }
  return { startTime: start, samples, durationDelta: stepSeconds, watermarks: null };
}

function metadata(type: ProfileType, format: 'single' | 'double') {
  return { format, spyName: '', ...renderUnits(type), name: type.sampleType };
}

export async function renderRoutes(app: FastifyInstance, deps: QueryDeps): Promise<void> {
  const { config, store } = deps;

  const selection = (tenant: string, query: string | undefined, param: string, from: string | undefined, until: string | undefined): Selection => {
    const { profileTypeId, matchers } = parseQuery(requireQuery(query, param));
    return { tenant, profileTypeId, matchers, ...renderRange(from, until) };
  };

  app.get('/pyroscope/render', { schema: { querystring: RenderQuery } }, async (request) => {
    const q = request.query as Static<typeof RenderQuery>;
    if (q.format !== undefined && q.format !== '' && q.format !== 'json') {
      throw new HotpathError('bad_request', `format ${JSON.stringify(q.format)} is not supported: use json (or /api/v1/export/pprof)`);
    }
    if (q.aggregation === 'avg') throw new HotpathError('bad_request', 'aggregation avg is not supported: Hotpath stores sums per bucket; use sum');
    const { sel, db, limits } = limitedSelection(config, store, selection(requestTenant(request, config), q.query, 'query', q.from, q.until));
    const maxNodes = renderMaxNodes(q, limits);
    const groupBy = q.groupBy === undefined ? [] : Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy];
    const [merged, series] = await Promise.all([
      mergeStacks(db, sel, config.bucketSeconds),
      timeseries(db, sel, config.bucketSeconds, { stepSeconds: pointInterval(sel.fromMs, sel.untilMs), groupBy }),
    ]);
    const type = parseProfileTypeId(sel.profileTypeId);
    const step = series.stepSeconds;
    let groups: Record<string, Timeline> | null = null;
    if (groupBy.length > 0) {
      groups = {};
      for (const s of series.series) groups[s.labels[groupBy[0]!] ?? '*'] = timelineOf(s, sel.fromMs, sel.untilMs, step);
    }
    return {
      version: 1,
      flamebearer: flamebearer(encodeFlameGraph(flameTree(merged.stacks, maxNodes)), merged.total),
      metadata: metadata(type, 'single'),
      timeline: timelineOf(series.series.length === 1 ? series.series[0] : undefined, sel.fromMs, sel.untilMs, step),
      groups,
      heatmap: null,
    };
  });

  app.get('/pyroscope/render-diff', { schema: { querystring: RenderDiffQuery } }, async (request) => {
    const q = request.query as Static<typeof RenderDiffQuery>;
    const tenant = requestTenant(request, config);
    const left = limitedSelection(config, store, selection(tenant, q.leftQuery, 'leftQuery', q.leftFrom, q.leftUntil));
    const right = limitedSelection(config, store, selection(tenant, q.rightQuery, 'rightQuery', q.rightFrom, q.rightUntil));
    sameProfileType(left.sel, right.sel);
    const maxNodes = renderMaxNodes(q, left.limits);
    const [l, r] = await Promise.all([mergeStacks(left.db, left.sel, config.bucketSeconds), mergeStacks(right.db, right.sel, config.bucketSeconds)]);
    const fg = encodeFlameGraphDiff(diffTree(l.stacks, r.stacks, maxNodes));
    return {
      version: 1,
      flamebearer: flamebearer(fg, fg.total),
      metadata: metadata(parseProfileTypeId(left.sel.profileTypeId), 'double'),
      timeline: null,
      groups: null,
      heatmap: null,
      leftTicks: Number(fg.leftTicks),
      rightTicks: Number(fg.rightTicks),
    };
  });

  const labelScope = (request: Parameters<typeof requestTenant>[0], q: Static<typeof LabelsQuery>): { scope: LabelScope; db: typeof store } => {
    const tenant = requestTenant(request, config);
    const range = renderRange(q.from, q.until);
    const limits = queryLimitsFor(config, tenant);
    checkRange(range, limits);
    const narrowed = q.query ? parseQuery(q.query) : undefined;
    return { scope: { tenant, ...range, profileTypeId: narrowed?.profileTypeId, matchers: narrowed?.matchers }, db: limitedStore(store, limits) };
  };

  app.get('/pyroscope/label-names', { schema: { querystring: LabelsQuery } }, async (request) => {
    const { scope, db } = labelScope(request, request.query as Static<typeof LabelsQuery>);
    return labelNames(db, scope);
  });

  app.get('/pyroscope/label-values', { schema: { querystring: LabelsQuery } }, async (request) => {
    const q = request.query as Static<typeof LabelsQuery>;
    if (!q.label) throw new HotpathError('bad_request', 'label parameter is required');
    const { scope, db } = labelScope(request, q);
    if (q.label === '__name__') return (await profileTypes(db, scope)).map((t) => t.id);
    return labelValues(db, scope, q.label);
  });
}
