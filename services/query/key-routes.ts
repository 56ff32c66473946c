/**
 * API key management for a tenant's admins (scope `admin`, enforced by the query plugin's auth hook):
 *   GET    /api/v1/keys          → {"keys": [{id, tenant, name, scopes, createdAt, revokedAt?}]}
 *   POST   /api/v1/keys          {"name", "scopes": ["ingest"|"query"|"admin", …]} → 201 {"key", id, tenant, …}
 *   DELETE /api/v1/keys/{id}     → the revoked key; 404 when the tenant has no such key
 * A key is always made for the caller's own tenant; the plaintext appears only in the POST answer.
 */
import type { FastifyInstance } from 'fastify';
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import { parseScopes } from '../../lib/tenancy/api-keys.ts';
import type { KeyStore } from '../../lib/tenancy/key-store.ts';
import { requestTenant } from './request.ts';

export async function keyRoutes(app: FastifyInstance, deps: { config: HotpathConfig; keys: KeyStore }): Promise<void> {
  const { config, keys } = deps;
  app.get('/api/v1/keys', async (request) => ({ keys: await keys.list(requestTenant(request, config)) }));
  app.post('/api/v1/keys', async (request, reply) => {
    const tenant = requestTenant(request, config);
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HotpathError('bad_request', 'body must be a JSON object {"name", "scopes"}');
    const { name = '', scopes, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new HotpathError('bad_request', `unknown field ${JSON.stringify(unknown[0])} (expected name, scopes)`);
    if (typeof name !== 'string' || name.length > 256) throw new HotpathError('bad_request', 'name must be a string of at most 256 characters');
    let parsed;
    try {
      parsed = parseScopes(scopes);
    } catch (err) {
      throw new HotpathError('bad_request', `scopes: ${(err as Error).message}`);
    }
    const { key, info } = await keys.create(tenant, name, parsed);
    return reply.status(201).send({ key, ...info });
  });
  app.delete('/api/v1/keys/:id', async (request) => {
    const { id } = request.params as { id: string };
    const revoked = await keys.revoke(id, requestTenant(request, config));
    if (!revoked) throw new HotpathError('not_found', `no API key ${JSON.stringify(id)} in this tenant`);
    return revoked;
  });
}
