/**
 * API-key authentication (api.md "Conventions") as a fastify `onRequest` hook, added by each service plugin for
 * its own routes: `Authorization: Bearer <key>`; no key or an unknown, malformed or revoked one → 401
 * `unauthorized`; a key without the route's scope → 403 `forbidden`. The key names the tenant: the hook writes it
 * into `X-Scope-OrgID`, which every handler already reads, so no handler can see another tenant's data — and an
 * `X-Scope-OrgID` naming a different tenant than the key's is 403, never silently replaced.
 *
 * With auth off the hook does nothing and the tenant comes from `X-Scope-OrgID` (multi-tenancy) or is `anonymous`.
 */
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { HotpathError } from '../errors.ts';
import { parseKey, secretMatches, type Scope } from './api-keys.ts';
import type { KeyStore } from './key-store.ts';

export class Authenticator {
  constructor(
    readonly enabled: boolean,
    private readonly keys: KeyStore,
  ) {}

  /** Checks the request's key for `scope` and binds the request to the key's tenant; returns that tenant. */
  async authenticate(request: FastifyRequest, scope: Scope): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    const header = request.headers.authorization;
    if (!header) throw new HotpathError('unauthorized', 'no API key: send the header `Authorization: Bearer <key>`');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new HotpathError('unauthorized', 'malformed Authorization header: expected `Bearer <key>`');
    const parsed = parseKey(m[1]!);
    if (!parsed) throw new HotpathError('unauthorized', 'invalid API key: not a Hotpath key (hp_<id>_<secret>)');
    const record = await this.keys.find(parsed.id);
    if (!record || !secretMatches(record, parsed.secret)) throw new HotpathError('unauthorized', `invalid API key ${parsed.id}`);
    if (record.revokedAt) throw new HotpathError('unauthorized', `API key ${record.id} was revoked at ${record.revokedAt}`);
    if (!record.scopes.includes(scope)) {
      throw new HotpathError('forbidden', `API key ${record.id} lacks the scope ${JSON.stringify(scope)} this route needs (it has: ${record.scopes.join(', ')})`);
    }
    const claimed = request.headers['x-scope-orgid'];
    const claimedTenant = Array.isArray(claimed) ? claimed[0] : claimed;
    if (claimedTenant !== undefined && claimedTenant !== record.tenant) {
      throw new HotpathError('forbidden', `API key ${record.id} belongs to tenant ${JSON.stringify(record.tenant)}, not ${JSON.stringify(claimedTenant)} (X-Scope-OrgID)`);
    }
    request.headers['x-scope-orgid'] = record.tenant;
    return record.tenant;
  }

  /** The hook for a group of routes; `scopeOf` names the scope a request needs. */
  hook(scopeOf: (request: FastifyRequest) => Scope): onRequestHookHandler {
    return async (request) => {
      await this.authenticate(request, scopeOf(request));
    };
  }
}

/** Scopes of the query service's routes: key management and settings changes are `admin`, every read `query`. */
export function queryRouteScope(request: FastifyRequest): Scope {
  const path = request.url.split('?')[0]!;
  if (path === '/api/v1/keys' || path.startsWith('/api/v1/keys/')) return 'admin';
  const read = request.method === 'GET' || request.method === 'HEAD';
  if (!read && (path === '/api/v1/services' || path.startsWith('/api/v1/services/'))) return 'admin';
  return 'query';
}
