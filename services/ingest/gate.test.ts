/**
 * The gate's hooks and metrics on a real fastify instance (no store): each refusal answers its status, code and
 * Retry-After, and moves exactly its `hotpath_discarded_*{reason,tenant}` counters; accepted and received add up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { loadConfig } from '../../lib/config/index.ts';
import { installErrorHandling } from '../../lib/http/errors.ts';
import type { EncodedProfile } from '../../lib/bus/encoded-profile.ts';
import type { Budget } from '../../lib/settings/service-settings.ts';
import { registry } from '../../lib/telemetry/metrics.ts';
import { IngestGate } from './gate.ts';

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

/** The gate reads the header fields only: the envelope stays empty. */
function profile(tenant: string, labels: Record<string, string>, stacks = 1): EncodedProfile {
  return {
    tenant,
    type: { id: 'p:s:u:p:u', name: 'p', sampleType: 's', sampleUnit: 'u', periodType: 'p', periodUnit: 'u' },
    labels: { __name__: 'p', ...labels },
    fingerprint: JSON.stringify(labels),
    timeMs: Date.now(),
    stackCount: stacks,
    envelope: new Uint8Array(0),
  };
}

async function app(budgets: Record<string, Budget> = {}) {
  const config = loadConfig(
    { HOTPATH_MULTITENANCY: 'true', HOTPATH_LIMIT_BODY_BYTES: '1000' },
    {},
  );
  config.tenantLimits = {
    small: { maxBodyBytes: 100 },
    strict: { requiredLabels: ['service_name', 'team'], maxSamplesPerProfile: 2 },
    slow: { ingestProfilesPerSecond: 1, ingestBurstSeconds: 1 },
    g2: { ingestBurstSeconds: 1 },
  };
  const gate = new IngestGate(config, { get: (_t, s) => ({ budget: budgets[s] ?? {} }) });
  const fastify = Fastify({ bodyLimit: 1000 });
  installErrorHandling(fastify);
  await fastify.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
    gate.install(scope);
    // Body: JSON [{labels, stacks}] per upload, as a decoder would have produced them.
    scope.post('/t', async (request) => {
      const tenant = String(request.headers['x-scope-orgid']);
      const uploads = JSON.parse((request.body as Buffer).toString()) as Array<{ labels: Record<string, string>; stacks?: number }>;
      const kept = gate.check(
        request,
        uploads.map((u) => ({ bytes: 10, labels: { __name__: 'p', ...u.labels }, profiles: [profile(tenant, u.labels, u.stacks)] })),
      );
      return { kept: kept.length };
    });
  });
  return fastify;
}

const send = (f: Awaited<ReturnType<typeof app>>, tenant: string, uploads: unknown, extra: Record<string, string> = {}) =>
  f.inject({ method: 'POST', url: '/t', headers: { 'x-scope-orgid': tenant, 'content-type': 'application/octet-stream', ...extra }, payload: typeof uploads === 'string' ? uploads : JSON.stringify(uploads) });

test('gate: every refusal has its status, code, reason metric; accepted + discarded = received', async () => {
  const f = await app({ sampled: { profilesPerSecond: 1, sampleOneIn: 2 } });
  const d = (reason: string, tenant: string) => metric('hotpath_discarded_profiles_total', { reason, tenant });
  const db = (reason: string, tenant: string) => metric('hotpath_discarded_bytes_total', { reason, tenant });

  const ok = await send(f, 'g1', [{ labels: { service_name: 'a' } }]);
  assert.equal(ok.statusCode, 200);
  assert.equal(await metric('hotpath_accepted_profiles_total', { tenant: 'g1' }), 1);

  // Tenant body limit from Content-Length, before reading: 413 body_too_large.
  const big = await send(f, 'small', 'x'.repeat(150));
  assert.equal(big.statusCode, 413);
  assert.deepEqual(big.json(), { error: { code: 'too_large', message: 'request body of 150 bytes exceeds the limit of 100 bytes' } });
  assert.equal(await d('body_too_large', 'small'), 1);
  assert.equal(await db('body_too_large', 'small'), 150);
  // The process-wide limit (fastify bodyLimit) is counted the same way.
  const huge = await send(f, 'g1', 'x'.repeat(1500));
  assert.equal(huge.statusCode, 413);
  assert.equal(huge.json().error.code, 'too_large');
  assert.equal(await d('body_too_large', 'g1'), 1);

  const missing = await send(f, 'strict', [{ labels: { service_name: 'a' } }]);
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json(), { error: { code: 'missing_label', message: 'profile has no label "team", which this tenant requires (required labels: service_name, team)' } });
  assert.equal(await d('missing_label', 'strict'), 1);

  const samples = await send(f, 'strict', [{ labels: { service_name: 'a', team: 't' }, stacks: 3 }]);
  assert.equal(samples.statusCode, 400);
  assert.equal(samples.json().error.code, 'too_many_samples');
  assert.equal(await d('too_many_samples', 'strict'), 1);

  const badName = await send(f, 'g1', [{ labels: { service_name: 'a', 'bad-name': 'x' } }]);
  assert.equal(badName.statusCode, 400);
  assert.equal(await d('invalid_label_name', 'g1'), 1);

  const noTenant = await f.inject({ method: 'POST', url: '/t', payload: '[]', headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(noTenant.statusCode, 401);
  assert.equal(await d('unauthorized', 'unknown'), 1);

  // Tenant rate 1/s with a 1 s burst: the 2nd request is 429 with Retry-After, before decoding.
  assert.equal((await send(f, 'slow', [{ labels: { service_name: 'a' } }])).statusCode, 200);
  const limited = await send(f, 'slow', [{ labels: { service_name: 'a' } }]);
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '1');
  assert.equal(limited.json().error.code, 'rate_limited');
  assert.equal(await d('rate_limited', 'slow'), 1);

  // Sampling: over budget, 1 in 2 kept, all answered 200.
  const kept = [];
  for (let i = 0; i < 5; i++) {
    const r = await send(f, 'g2', [{ labels: { service_name: 'sampled' } }]);
    assert.equal(r.statusCode, 200);
    kept.push(r.json().kept);
  }
  assert.deepEqual(kept, [1, 1, 0, 1, 0]);
  assert.equal(await d('sampled', 'g2'), 2);
  assert.equal(await metric('hotpath_accepted_profiles_total', { tenant: 'g2' }), 3);
  assert.equal(await metric('hotpath_received_profiles_total', { tenant: 'g2' }), 5);

  for (const tenant of ['g1', 'small', 'strict', 'slow', 'g2']) {
    const received = await metric('hotpath_received_profiles_total', { tenant });
    const accepted = await metric('hotpath_accepted_profiles_total', { tenant });
    const discarded = await metric('hotpath_discarded_profiles_total', { tenant });
    assert.equal(received, accepted + discarded, tenant);
  }
  await f.close();
});
