/**
 * The operator loop's HTTP edge (api.md "Operate"): the service page, the guard, the KPI pack, rollout gates and
 * stage. The logic lives in report.ts, guard.ts, kpis.ts and gates.ts; this file parses parameters and shapes JSON.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HotpathError } from '../../lib/errors.ts';
import type { SettingsStore } from '../../lib/settings/service-settings.ts';
import { parseQueryTime, parseRange } from '../../lib/time/parse-time.ts';
import { diffTable } from './diff.ts';
import { sameProfileType } from './diff-routes.ts';
import { checkGates, setStage } from './gates.ts';
import { evaluateGuard, parseRules, parseSide } from './guard.ts';
import { jsonInt } from './json-int.ts';
import { computeKpis } from './kpis.ts';
import type { QueryDeps } from './native-routes.ts';
import { limitedSelection } from './query-limits.ts';
import { buildReport, type Report, type TrendRow } from './report.ts';
import { renderReportHtml } from './report-html.ts';
import { requestTenant, selectionFrom } from './request.ts';
import { isStage, RolloutStore, STAGES } from './rollout-store.ts';
import { CPU_PROFILE_TYPE, serviceSelection } from './service-selection.ts';
import { mergeStacks } from './stacks.ts';

const Window = { from: Type.Optional(Type.String()), until: Type.Optional(Type.String()), profileType: Type.Optional(Type.String({ minLength: 1 })) };
const ReportQuery = Type.Object({
  ...Window,
  version: Type.Optional(Type.String()),
  baselineVersion: Type.Optional(Type.String()),
  baselineFrom: Type.Optional(Type.String()),
  baselineUntil: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html')])),
});
const KpiQuery = Type.Object({ ...Window, service: Type.Optional(Type.String()), intervalSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })) });
const GatesQuery = Type.Object(Window);

const trendJson = (r: TrendRow) => ({ ...r, baselineSelf: jsonInt(r.baselineSelf), comparisonSelf: jsonInt(r.comparisonSelf) });
const iso = (ms: number) => new Date(ms).toISOString();

export function reportJson(r: Report) {
  return {
    ...r,
    window: { ...r.window, from: iso(r.window.fromMs), until: iso(r.window.untilMs) },
    total: jsonInt(r.total),
    hotPaths: r.hotPaths.map((h) => ({ ...h, value: jsonInt(h.value) })),
    fixCandidates: r.fixCandidates.map((c) => ({ ...c, self: jsonInt(c.self) })),
    trend: {
      baseline: { ...r.trend.baseline, from: iso(r.trend.baseline.fromMs), until: iso(r.trend.baseline.untilMs), total: jsonInt(r.trend.baseline.total) },
      regressions: r.trend.regressions.map(trendJson),
      improvements: r.trend.improvements.map(trendJson),
    },
  };
}

/** The report as JSON (bigints as api.md numbers): what `hotpath report` reads. */
export type ReportJson = ReturnType<typeof reportJson>;

/** A single optional time (baselineFrom / baselineUntil), parsed like `from`/`until`. */
function optionalTime(value: string | undefined, nowMs: number, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return parseQueryTime(value, nowMs, name);
}

function wantsHtml(request: FastifyRequest, format: string | undefined): boolean {
  if (format !== undefined) return format === 'html';
  const accept = String(request.headers.accept ?? '');
  return accept.includes('text/html');
}

export async function operateRoutes(app: FastifyInstance, deps: QueryDeps & { settings: SettingsStore }): Promise<void> {
  const { config, store, settings } = deps;
  const rollout = new RolloutStore(store);

  /** Range and query limits of a service-scoped request; the limited store runs its queries. */
  const serviceScope = (request: FastifyRequest, service: string, q: { from?: string; until?: string; profileType?: string }, nowMs: number) => {
    const tenant = requestTenant(request, config);
    const { fromMs, untilMs } = parseRange(q.from, q.until, nowMs);
    const profileTypeId = q.profileType ?? CPU_PROFILE_TYPE;
    const limited = limitedSelection(config, store, serviceSelection(tenant, profileTypeId, service, fromMs, untilMs));
    return { tenant, fromMs, untilMs, profileTypeId, db: limited.db };
  };

  app.get('/api/v1/report/:service', { schema: { querystring: ReportQuery } }, async (request, reply) => {
    const { service } = request.params as { service: string };
    const q = request.query as Static<typeof ReportQuery>;
    const nowMs = Date.now();
    const s = serviceScope(request, service, q, nowMs);
    const report = await buildReport(
      { store: s.db, config, settings, rollout },
      {
        tenant: s.tenant,
        service,
        profileTypeId: s.profileTypeId,
        fromMs: s.fromMs,
        untilMs: s.untilMs,
        version: q.version,
        baselineVersion: q.baselineVersion,
        baselineFromMs: optionalTime(q.baselineFrom, nowMs, 'baselineFrom'),
        baselineUntilMs: optionalTime(q.baselineUntil, nowMs, 'baselineUntil'),
        limit: q.limit ?? 10,
        nowMs,
      },
    );
    if (wantsHtml(request, q.format)) return reply.type('text/html; charset=utf-8').send(renderReportHtml(report));
    return reportJson(report);
  });

  app.post('/api/v1/guard', async (request) => {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HotpathError('bad_request', 'body must be a JSON object {baseline, comparison, rules}');
    const b = body as Record<string, unknown>;
    for (const k of Object.keys(b)) if (!['baseline', 'comparison', 'rules'].includes(k)) throw new HotpathError('bad_request', `unknown field ${JSON.stringify(k)} (expected baseline, comparison, rules)`);
    const tenant = requestTenant(request, config);
    const nowMs = Date.now();
    const baseline = parseSide('baseline', b.baseline);
    const comparison = parseSide('comparison', b.comparison);
    const rules = parseRules(b.rules);
    const left = limitedSelection(config, store, selectionFrom(tenant, baseline.query, baseline.from, baseline.until, nowMs));
    const right = limitedSelection(config, store, selectionFrom(tenant, comparison.query, comparison.from, comparison.until, nowMs));
    sameProfileType(left.sel, right.sel);
    const [l, r] = await Promise.all([mergeStacks(left.db, left.sel, config.bucketSeconds), mergeStacks(right.db, right.sel, config.bucketSeconds)]);
    const table = diffTable(l.stacks, r.stacks, 'self');
    return { ...evaluateGuard(table, rules), baseline: { total: jsonInt(table.baselineTotal) }, comparison: { total: jsonInt(table.comparisonTotal) } };
  });

  app.get('/api/v1/kpis', { schema: { querystring: KpiQuery } }, async (request) => {
    const q = request.query as Static<typeof KpiQuery>;
    const nowMs = Date.now();
    const s = serviceScope(request, q.service ?? '', q, nowMs);
    const intervalSeconds = q.intervalSeconds ?? config.bucketSeconds;
    const services = await computeKpis(
      { store: s.db, config, settings, rollout },
      { tenant: s.tenant, fromMs: s.fromMs, untilMs: s.untilMs, service: q.service },
      { intervalSeconds, profileTypeId: s.profileTypeId, nowMs },
    );
    return { from: iso(s.fromMs), until: iso(s.untilMs), profileType: s.profileTypeId, services };
  });

  app.get('/api/v1/services/:service/gates', { schema: { querystring: GatesQuery } }, async (request) => {
    const { service } = request.params as { service: string };
    const s = serviceScope(request, service, request.query as Static<typeof GatesQuery>, Date.now());
    const result = await checkGates({ store: s.db, config, settings, rollout }, { tenant: s.tenant, service, fromMs: s.fromMs, untilMs: s.untilMs, profileTypeId: s.profileTypeId });
    return { ...result, from: iso(s.fromMs), until: iso(s.untilMs) };
  });

  app.put('/api/v1/services/:service/stage', { schema: { querystring: GatesQuery } }, async (request) => {
    const { service } = request.params as { service: string };
    const body = request.body as { stage?: unknown } | null;
    const stage = body && typeof body === 'object' ? body.stage : undefined;
    if (!isStage(stage)) throw new HotpathError('bad_request', `stage must be one of ${STAGES.join(', ')}, got ${JSON.stringify(stage)}`);
    const s = serviceScope(request, service, request.query as Static<typeof GatesQuery>, Date.now());
    const result = await setStage({ store: s.db, config, settings, rollout }, { tenant: s.tenant, service, fromMs: s.fromMs, untilMs: s.untilMs, profileTypeId: s.profileTypeId }, stage);
    return { ...result, from: iso(s.fromMs), until: iso(s.untilMs) };
  });
}
