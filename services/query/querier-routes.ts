/**
 * Grafana's Pyroscope datasource API: `querier.v1.QuerierService` over Connect (compat.md "Query",
 * compat-details §3). Every method reads through the same query module as /api/v1 — selection, mergeStacks,
 * tree pruning, timeseries, series, labels — and only translates messages; nothing here sums or prunes.
 *
 * Messages are plain objects with protobuf's lowerCamel field names (querier-messages.ts turns them into bytes
 * or protobuf JSON); int64 fields arrive as number, string, bigint or Long and leave as bigint.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HotpathError } from '../../lib/errors.ts';
import { isLegacyLabelName } from '../../lib/labels/names.ts';
import { parseProfileTypeId, parseSelector, type Matcher } from '../../lib/query/selector.ts';
import { connectScope } from './connect.ts';
import { sameProfileType } from './diff-routes.ts';
import { diffTree } from './diff.ts';
import { encodeFlameGraph, encodeFlameGraphDiff, type FlameGraph } from './flamegraph-encoding.ts';
import { labelNames, labelValues, profileTypes, type LabelScope } from './labels.ts';
import type { QueryDeps } from './native-routes.ts';
import { mergedProfile } from './pprof-export.ts';
import { querierMessages, type Msg } from './querier-messages.ts';
import type protobuf from 'protobufjs';
import { checkMaxNodes, limitedSelection, limitedStore, queryLimitsFor, checkRange } from './query-limits.ts';
import { requestTenant } from './request.ts';
import { listSeries } from './series.ts';
import { mergeStacks } from './stacks.ts';
import { timeseries } from './timeseries.ts';
import { flameTree } from './tree.ts';

export const QUERIER = '/querier.v1.QuerierService';

/** int64 as protobufjs and JSON hand it over: number, decimal string, bigint or Long. */
export function int64(v: unknown): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new HotpathError('bad_request', `expected an integer, got ${v}`);
    return BigInt(v);
  }
  if (typeof v === 'string') {
    if (!/^-?\d+$/.test(v)) throw new HotpathError('bad_request', `expected an integer, got ${JSON.stringify(v)}`);
    return BigInt(v);
  }
  const l = v as { low: number; high: number; unsigned?: boolean };
  if (typeof l.low === 'number' && typeof l.high === 'number') {
    const u = (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
    return l.unsigned ? u : BigInt.asIntN(64, u);
  }
  throw new HotpathError('bad_request', `expected an integer, got ${JSON.stringify(v)}`);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** ms range of a request; `required` = false lets 0/0 mean the last hour (ProfileTypes). */
export function connectRange(startV: unknown, endV: unknown, required: boolean, nowMs = Date.now()): { fromMs: number; untilMs: number } {
  const start = Number(int64(startV));
  const end = Number(int64(endV));
  if (start === 0 && end === 0) {
    if (required) throw new HotpathError('invalid_time_range', 'missing time range in the query: set start and end (ms since the epoch)');
    return { fromMs: nowMs - 3_600_000, untilMs: nowMs };
  }
  if (start > end) throw new HotpathError('invalid_time_range', `query start time is after end time: start ${start} > end ${end}`);
  return { fromMs: start, untilMs: end };
}

/** `profile_typeID`: 5 parts, or 6 with a trailing part Pyroscope ignores (`…:delta`). */
export function connectProfileType(id: string): string {
  if (id === '') throw new HotpathError('invalid_selector', 'profile_typeID is required: <name>:<sample type>:<sample unit>:<period type>:<period unit>');
  const parts = id.split(':');
  return parseProfileTypeId(parts.length === 6 ? parts.slice(0, 5).join(':') : id).id;
}

/** Several selectors are ANDed into one (as Pyroscope 2.x); `__profile_type__="…"` picks the profile type. */
export function connectMatchers(selectors: string[]): { profileTypeId?: string; matchers: Matcher[] } {
  let profileTypeId: string | undefined;
  const matchers: Matcher[] = [];
  for (const s of selectors) {
    for (const m of parseSelector(s)) {
      if (m.name === '__profile_type__' && m.op === '=') profileTypeId = connectProfileType(m.value);
      else matchers.push(m);
    }
  }
  return { profileTypeId, matchers };
}

/** Accept `…; allow-utf8-labelnames=true`: only then are names outside the legacy grammar listed. */
function allowsUtf8Names(request: FastifyRequest): boolean {
  return /allow-utf8-labelnames\s*=\s*true/i.test(String(request.headers.accept ?? ''));
}

function flameGraphMessage(fg: FlameGraph): Msg {
  return { names: fg.names, levels: fg.levels.map((values) => ({ values })), total: fg.total, maxSelf: fg.maxSelf };
}

/** `root`: the protobufjs root holding querier.v1, types.v1 and google.v1 (schemas/). */
export async function querierRoutes(app: FastifyInstance, deps: QueryDeps, root: protobuf.Root): Promise<void> {
  const { config, store } = deps;
  const M = querierMessages(root);

  /** A SelectMergeStacktraces-shaped request as a limited selection. */
  const selectionOf = (request: FastifyRequest, msg: Msg) => {
    const tenant = requestTenant(request, config);
    const profileTypeId = connectProfileType(str(msg.profileTypeID));
    const matchers = parseSelector(str(msg.labelSelector));
    const range = connectRange(msg.start, msg.end, true);
    return limitedSelection(config, store, { tenant, profileTypeId, matchers, ...range });
  };
  const scopeOf = (request: FastifyRequest, msg: Msg, required: boolean): { scope: LabelScope; db: typeof store } => {
    const tenant = requestTenant(request, config);
    const range = connectRange(msg.start, msg.end, required);
    const limits = queryLimitsFor(config, tenant);
    checkRange(range, limits);
    const { profileTypeId, matchers } = connectMatchers(strings(msg.matchers));
    return { scope: { tenant, ...range, profileTypeId, matchers }, db: limitedStore(store, limits) };
  };
  /** Selection and node count of a SelectMergeStacktraces-shaped request, checked before any query runs. */
  const prepare = (request: FastifyRequest, msg: Msg) => {
    const { sel, db, limits } = selectionOf(request, msg);
    const maxNodes = checkMaxNodes(msg.maxNodes === undefined || msg.maxNodes === null ? undefined : Number(int64(msg.maxNodes)), limits, 'max_nodes');
    return { sel, db, maxNodes };
  };

  await connectScope(app, { maxDecompressedBytes: config.limits.maxDecompressedBytes }, (r) => {
    r.unary(`${QUERIER}/ProfileTypes`, M.ProfileTypesRequest, M.ProfileTypesResponse, async (msg, request) => {
      const { scope, db } = scopeOf(request, { start: msg.start, end: msg.end }, false);
      const types = await profileTypes(db, scope);
      return {
        profileTypes: types.map((t) => ({ ID: t.id, name: t.name, sampleType: t.sampleType, sampleUnit: t.sampleUnit, periodType: t.periodType, periodUnit: t.periodUnit })),
      };
    });

    r.unary(`${QUERIER}/LabelNames`, M.LabelNamesRequest, M.LabelNamesResponse, async (msg, request) => {
      const { scope, db } = scopeOf(request, msg, true);
      const names = await labelNames(db, scope, true);
      if (names.length > 0 || (await profileTypes(db, scope)).length > 0) names.push('__profile_type__');
      const utf8 = allowsUtf8Names(request);
      return { names: [...new Set(names)].filter((n) => utf8 || isLegacyLabelName(n)).sort() };
    });

    r.unary(`${QUERIER}/LabelValues`, M.LabelValuesRequest, M.LabelValuesResponse, async (msg, request) => {
      const name = str(msg.name);
      if (name === '') throw new HotpathError('bad_request', 'name is required: the label whose values to list');
      const { scope, db } = scopeOf(request, msg, true);
      if (name === '__profile_type__') return { names: (await profileTypes(db, scope)).map((t) => t.id) };
      return { names: await labelValues(db, scope, name) };
    });

    r.unary(`${QUERIER}/Series`, M.SeriesRequest, M.SeriesResponse, async (msg, request) => {
      const { scope, db } = scopeOf(request, msg, true);
      const only = strings(msg.labelNames);
      const utf8 = allowsUtf8Names(request);
      const seen = new Set<string>();
      const labelsSet: Msg[] = [];
      for (const s of await listSeries(db, { ...scope, matchers: scope.matchers ?? [] })) {
        const all: Record<string, string> = { ...s.labels, __profile_type__: s.profileType };
        const pairs = Object.keys(all)
          .filter((k) => (only.length === 0 || only.includes(k)) && (utf8 || isLegacyLabelName(k)))
          .sort()
          .map((k) => ({ name: k, value: all[k]! }));
        const key = JSON.stringify(pairs);
        if (seen.has(key)) continue;
        seen.add(key);
        labelsSet.push({ labels: pairs });
      }
      return { labelsSet };
    });

    r.unary(`${QUERIER}/SelectMergeStacktraces`, M.SelectMergeStacktracesRequest, M.SelectMergeStacktracesResponse, async (msg, request) => {
      const format = str(msg.format);
      if (format !== '' && format !== '0' && format !== 'PROFILE_FORMAT_UNSPECIFIED' && format !== '1' && format !== 'PROFILE_FORMAT_FLAMEGRAPH') {
        throw new HotpathError('bad_request', `format ${format} is not supported: use PROFILE_FORMAT_FLAMEGRAPH (or SelectMergeProfile for pprof)`);
      }
      const { sel, db, maxNodes } = prepare(request, msg);
      const result = await mergeStacks(db, sel, config.bucketSeconds);
      return { flamegraph: flameGraphMessage(encodeFlameGraph(flameTree(result.stacks, maxNodes))) };
    });

    r.unary(`${QUERIER}/SelectMergeProfile`, M.SelectMergeProfileRequest, M.Profile, async (msg, request) => {
      // max_nodes is not applied to merged profiles (Pyroscope's default): the pprof keeps every stack.
      const { sel, db } = selectionOf(request, msg);
      const result = await mergeStacks(db, sel, config.bucketSeconds);
      return mergedProfile(result.stacks, parseProfileTypeId(sel.profileTypeId), sel);
    });

    r.unary(`${QUERIER}/SelectSeries`, M.SelectSeriesRequest, M.SelectSeriesResponse, async (msg, request) => {
      const aggregation = str(msg.aggregation);
      if (aggregation === '1' || aggregation === 'TIME_SERIES_AGGREGATION_TYPE_AVERAGE') {
        throw new HotpathError('bad_request', 'aggregation TIME_SERIES_AGGREGATION_TYPE_AVERAGE is not supported: Hotpath stores sums per bucket; use SUM');
      }
      const step = Number(msg.step ?? 0);
      if (!(step >= 0.001)) throw new HotpathError('bad_request', `step must be >= 1ms, got ${step} s`);
      const { sel, db } = selectionOf(request, msg);
      const limit = msg.limit === undefined || msg.limit === null ? undefined : Number(int64(msg.limit));
      const result = await timeseries(db, sel, config.bucketSeconds, { stepSeconds: step, groupBy: strings(msg.groupBy), limit });
      return {
        series: result.series.map((s) => ({
          labels: Object.keys(s.labels)
            .sort()
            .map((k) => ({ name: k, value: s.labels[k]! })),
          points: s.points.map((p) => ({ value: Number(p.value), timestamp: BigInt(p.timestampMs) })),
        })),
      };
    });

    r.unary(`${QUERIER}/Diff`, M.DiffRequest, M.DiffResponse, async (msg, request) => {
      const left = msg.left as Msg | undefined;
      const right = msg.right as Msg | undefined;
      if (!left || !right) throw new HotpathError('bad_request', 'left and right are required: each a SelectMergeStacktracesRequest');
      const l = prepare(request, left);
      const rt = prepare(request, right);
      sameProfileType(l.sel, rt.sel);
      const [lm, rm] = await Promise.all([mergeStacks(l.db, l.sel, config.bucketSeconds), mergeStacks(rt.db, rt.sel, config.bucketSeconds)]);
      const fg = encodeFlameGraphDiff(diffTree(lm.stacks, rm.stacks, Math.min(l.maxNodes, rt.maxNodes)));
      return { flamegraph: { ...flameGraphMessage(fg), leftTicks: fg.leftTicks, rightTicks: fg.rightTicks } };
    });
  });
}
