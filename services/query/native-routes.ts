/**
 * Hotpath's native query API under /api/v1 (api.md "Query"): profile types, labels, top and flame graph.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import { parseQuery } from '../../lib/query/selector.ts';
import type { Store } from '../../lib/store/store.ts';
import { parseRange } from '../../lib/time/parse-time.ts';
import { jsonInt } from './json-int.ts';
import { labelNames, labelValues, profileTypes, type LabelScope } from './labels.ts';
import { parseProfileTypeId } from '../../lib/query/selector.ts';
import { requestTenant, requireQuery, selectionFrom } from './request.ts';
import { mergeStacks } from './stacks.ts';
import { topFunctions } from './top.ts';
import { flameTree, type TreeNode } from './tree.ts';

export interface QueryDeps {
  config: HotpathConfig;
  store: Store;
}

const Range = { from: Type.Optional(Type.String()), until: Type.Optional(Type.String()) };
const LabelsQuery = Type.Object({ ...Range, query: Type.Optional(Type.String()) });
const TopQuery = Type.Object({
  ...Range,
  query: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  sort: Type.Optional(Type.Union([Type.Literal('self'), Type.Literal('total')])),
});
const FlameQuery = Type.Object({
  ...Range,
  query: Type.Optional(Type.String()),
  maxNodes: Type.Optional(Type.Integer({ minimum: 1 })),
});

export function treeJson(n: TreeNode): unknown {
  return { name: n.name, self: jsonInt(n.self), total: jsonInt(n.total), children: n.children.map(treeJson) };
}

export async function nativeQueryRoutes(app: FastifyInstance, deps: QueryDeps): Promise<void> {
  const { config, store } = deps;

  const labelScope = (tenant: string, q: Static<typeof LabelsQuery>): LabelScope => {
    const { fromMs, untilMs } = parseRange(q.from, q.until, Date.now());
    if (!q.query) return { tenant, fromMs, untilMs };
    const sel = parseQuery(q.query);
    return { tenant, fromMs, untilMs, profileTypeId: sel.profileTypeId || undefined, matchers: sel.matchers };
  };

  app.get('/api/v1/profile-types', { schema: { querystring: Type.Object(Range) } }, async (request) => {
    const q = request.query as Static<typeof LabelsQuery>;
    const { fromMs, untilMs } = parseRange(q.from, q.until, Date.now());
    return { profileTypes: await profileTypes(store, { tenant: requestTenant(request, config), fromMs, untilMs }) };
  });

  app.get('/api/v1/labels', { schema: { querystring: LabelsQuery } }, async (request) => {
    const scope = labelScope(requestTenant(request, config), request.query as Static<typeof LabelsQuery>);
    return { names: await labelNames(store, scope) };
  });

  app.get('/api/v1/labels/:name/values', { schema: { querystring: LabelsQuery } }, async (request) => {
    const { name } = request.params as { name: string };
    const scope = labelScope(requestTenant(request, config), request.query as Static<typeof LabelsQuery>);
    return { values: await labelValues(store, scope, name) };
  });

  app.get('/api/v1/top', { schema: { querystring: TopQuery } }, async (request, reply) => {
    const q = request.query as Static<typeof TopQuery>;
    const sel = selectionFrom(requestTenant(request, config), requireQuery(q.query), q.from, q.until);
    const merged = await mergeStacks(store, sel, config.bucketSeconds);
    // Which storage tier served the answer (services/query/tier.ts): raw, 1m or 1h.
    reply.header('X-Hotpath-Tier', merged.tier.name);
    const rows = topFunctions(merged.stacks, q.sort ?? 'self', q.limit ?? 20);
    const type = parseProfileTypeId(sel.profileTypeId);
    return {
      profileType: sel.profileTypeId,
      unit: type.sampleUnit,
      total: jsonInt(merged.total),
      tier: merged.tier.name,
      rows: rows.map((r) => ({ function: r.function, self: jsonInt(r.self), total: jsonInt(r.total) })),
    };
  });

  app.get('/api/v1/flamegraph', { schema: { querystring: FlameQuery } }, async (request, reply) => {
    const q = request.query as Static<typeof FlameQuery>;
    const maxNodes = q.maxNodes ?? 8192;
    if (maxNodes > config.limits.maxQueryNodes) {
      throw new HotpathError('bad_request', `maxNodes ${maxNodes} exceeds the limit of ${config.limits.maxQueryNodes}`);
    }
    const sel = selectionFrom(requestTenant(request, config), requireQuery(q.query), q.from, q.until);
    const merged = await mergeStacks(store, sel, config.bucketSeconds);
    reply.header('X-Hotpath-Tier', merged.tier.name);
    const type = parseProfileTypeId(sel.profileTypeId);
    return {
      profileType: sel.profileTypeId,
      unit: type.sampleUnit,
      total: jsonInt(merged.total),
      tier: merged.tier.name,
      root: treeJson(flameTree(merged.stacks, maxNodes)),
    };
  });
}
