import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { asyncRefusal as refusal } from '../../test/helpers/refusal.ts';
import { generateKey, type KeyRecord } from './api-keys.ts';
import { Authenticator, queryRouteScope } from './auth.ts';
import type { KeyStore } from './key-store.ts';

function keysOf(...records: KeyRecord[]): KeyStore {
  const byId = new Map(records.map((r) => [r.id, r]));
  return { find: async (id: string) => byId.get(id) } as unknown as KeyStore;
}

const req = (headers: Record<string, string>, method = 'GET', url = '/') => ({ headers: { ...headers }, method, url }) as unknown as FastifyRequest;

test('auth: 401 without a valid key, 403 for a missing scope or another tenant, and the key binds the tenant', async () => {
  const ingest = generateKey('a', 'agent', ['ingest']);
  const revoked = generateKey('a', 'old', ['ingest', 'query']);
  revoked.record.revokedAt = '2024-01-01T00:00:00.000Z';
  const auth = new Authenticator(true, keysOf(ingest.record, revoked.record));

  const none = await refusal(auth.authenticate(req({}), 'ingest'));
  assert.deepEqual([none.status, none.code], [401, 'unauthorized']);
  assert.equal(none.message, 'no API key: send the header `Authorization: Bearer <key>`');
  assert.equal((await refusal(auth.authenticate(req({ authorization: 'Basic abc' }), 'ingest'))).status, 401);
  assert.equal((await refusal(auth.authenticate(req({ authorization: 'Bearer nope' }), 'ingest'))).status, 401);
  const forged = `${ingest.key.slice(0, -1)}${ingest.key.endsWith('A') ? 'B' : 'A'}`;
  const wrong = await refusal(auth.authenticate(req({ authorization: `Bearer ${forged}` }), 'ingest'));
  assert.deepEqual([wrong.status, wrong.message], [401, `invalid API key ${ingest.record.id}`]);
  const old = await refusal(auth.authenticate(req({ authorization: `Bearer ${revoked.key}` }), 'ingest'));
  assert.deepEqual([old.status, old.message], [401, `API key ${revoked.record.id} was revoked at 2024-01-01T00:00:00.000Z`]);

  const scope = await refusal(auth.authenticate(req({ authorization: `Bearer ${ingest.key}` }), 'query'));
  assert.deepEqual([scope.status, scope.code], [403, 'forbidden']);
  assert.equal(scope.message, `API key ${ingest.record.id} lacks the scope "query" this route needs (it has: ingest)`);
  const other = await refusal(auth.authenticate(req({ authorization: `Bearer ${ingest.key}`, 'x-scope-orgid': 'b' }), 'ingest'));
  assert.deepEqual([other.status, other.message], [403, `API key ${ingest.record.id} belongs to tenant "a", not "b" (X-Scope-OrgID)`]);

  const ok = req({ authorization: `Bearer ${ingest.key}` });
  assert.equal(await auth.authenticate(ok, 'ingest'), 'a');
  assert.equal(ok.headers['x-scope-orgid'], 'a', 'handlers read the key tenant from X-Scope-OrgID');
});

test('auth off: nothing is checked', async () => {
  const r = req({ 'x-scope-orgid': 'z' });
  assert.equal(await new Authenticator(false, keysOf()).authenticate(r, 'admin'), undefined);
  assert.equal(r.headers['x-scope-orgid'], 'z');
});

test('query route scopes: reads need query; keys and settings changes need admin', () => {
  assert.equal(queryRouteScope(req({}, 'GET', '/api/v1/top?query=x')), 'query');
  assert.equal(queryRouteScope(req({}, 'POST', '/querier.v1.QuerierService/SelectMergeStacktraces')), 'query');
  assert.equal(queryRouteScope(req({}, 'POST', '/api/v1/guard')), 'query');
  assert.equal(queryRouteScope(req({}, 'GET', '/api/v1/services/checkout')), 'query');
  assert.equal(queryRouteScope(req({}, 'PUT', '/api/v1/services/checkout')), 'admin');
  assert.equal(queryRouteScope(req({}, 'GET', '/api/v1/keys')), 'admin');
  assert.equal(queryRouteScope(req({}, 'DELETE', '/api/v1/keys/abc')), 'admin');
});
