/**
 * `GET /api/v1/diff` (api.md): two selections — baseline and comparison, each with its own window — compared by
 * share, with the ranked function table and the diff flame graph (both sides per node).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HotpathError } from '../../lib/errors.ts';
import { diffTable, diffTree, type DiffNode, type SideValues } from './diff.ts';
import { jsonInt } from './json-int.ts';
import { parseProfileTypeId } from '../../lib/query/selector.ts';
import type { QueryDeps } from './native-routes.ts';
import { checkMaxNodes, limitedSelection } from './query-limits.ts';
import { requestTenant, requireQuery, selectionFrom } from './request.ts';
import type { Selection } from './selection.ts';
import { mergeStacks } from './stacks.ts';

const DiffQuery = Type.Object({
  baseline: Type.Optional(Type.String()),
  baselineFrom: Type.Optional(Type.String()),
  baselineUntil: Type.Optional(Type.String()),
  comparison: Type.Optional(Type.String()),
  comparisonFrom: Type.Optional(Type.String()),
  comparisonUntil: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  sort: Type.Optional(Type.Union([Type.Literal('self'), Type.Literal('total')])),
  maxNodes: Type.Optional(Type.Integer({ minimum: 1 })),
});

const sideJson = (v: SideValues) => ({ self: jsonInt(v.self), total: jsonInt(v.total) });

export function diffTreeJson(n: DiffNode): unknown {
  return { name: n.name, baseline: sideJson(n.baseline), comparison: sideJson(n.comparison), children: n.children.map(diffTreeJson) };
}

/** Both sides must measure the same thing for their shares to compare. */
export function sameProfileType(a: Selection, b: Selection): void {
  if (a.profileTypeId !== b.profileTypeId) {
    throw new HotpathError('invalid_selector', `profile types must match: baseline is ${a.profileTypeId}, comparison is ${b.profileTypeId}`);
  }
}

export async function diffRoutes(app: FastifyInstance, deps: QueryDeps): Promise<void> {
  const { config, store } = deps;
  app.get('/api/v1/diff', { schema: { querystring: DiffQuery } }, async (request) => {
    const q = request.query as Static<typeof DiffQuery>;
    const tenant = requestTenant(request, config);
    const baselineQuery = requireQuery(q.baseline, 'baseline');
    const now = Date.now();
    const left = limitedSelection(config, store, selectionFrom(tenant, baselineQuery, q.baselineFrom, q.baselineUntil, now));
    const right = limitedSelection(config, store, selectionFrom(tenant, q.comparison ?? baselineQuery, q.comparisonFrom, q.comparisonUntil, now));
    sameProfileType(left.sel, right.sel);
    const maxNodes = checkMaxNodes(q.maxNodes, left.limits);
    const [b, c] = await Promise.all([mergeStacks(left.db, left.sel, config.bucketSeconds), mergeStacks(right.db, right.sel, config.bucketSeconds)]);
    const table = diffTable(b.stacks, c.stacks, q.sort ?? 'self', q.limit ?? 20);
    return {
      unit: parseProfileTypeId(left.sel.profileTypeId).sampleUnit,
      baseline: { total: jsonInt(table.baselineTotal) },
      comparison: { total: jsonInt(table.comparisonTotal) },
      rows: table.rows.map((r) => ({
        function: r.function,
        baseline: sideJson(r.baseline),
        comparison: sideJson(r.comparison),
        selfShare: r.selfShare,
        totalShare: r.totalShare,
      })),
      flamegraph: diffTreeJson(diffTree(b.stacks, c.stacks, maxNodes)),
    };
  });
}
