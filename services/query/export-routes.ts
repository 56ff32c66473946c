/** `GET /api/v1/export/pprof` (api.md): the merged selection as a gzip'd pprof file, same totals as /top. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseProfileTypeId } from '../../lib/query/selector.ts';
import type { QueryDeps } from './native-routes.ts';
import { encodeProfileGzip, mergedProfile } from './pprof-export.ts';
import { limitedSelection } from './query-limits.ts';
import { requestTenant, requireQuery, selectionFrom } from './request.ts';
import { mergeStacks } from './stacks.ts';

const ExportQuery = Type.Object({ from: Type.Optional(Type.String()), until: Type.Optional(Type.String()), query: Type.Optional(Type.String()) });

export async function exportRoutes(app: FastifyInstance, deps: QueryDeps): Promise<void> {
  const { config, store } = deps;
  app.get('/api/v1/export/pprof', { schema: { querystring: ExportQuery } }, async (request, reply) => {
    const q = request.query as Static<typeof ExportQuery>;
    const { sel, db } = limitedSelection(config, store, selectionFrom(requestTenant(request, config), requireQuery(q.query), q.from, q.until));
    const merged = await mergeStacks(db, sel, config.bucketSeconds);
    const type = parseProfileTypeId(sel.profileTypeId);
    const body = encodeProfileGzip(mergedProfile(merged.stacks, type, sel));
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${type.name || 'profile'}.pb.gz"`)
      .send(body);
  });
}
