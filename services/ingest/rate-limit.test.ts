import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusal } from '../../test/helpers/refusal.ts';
import type { Budget } from '../../lib/settings/service-settings.ts';
import { RateLimiter } from './rate-limit.ts';

const NO_TENANT_LIMIT = { ingestBytesPerSecond: 0, ingestProfilesPerSecond: 0, ingestBurstSeconds: 1 };

function setup(budgets: Record<string, Budget> = {}) {
  let now = 0;
  const limiter = new RateLimiter({ get: (_t, s) => ({ budget: budgets[s] ?? {} }) }, () => now);
  return { limiter, budgets, advance: (ms: number) => (now += ms) };
}

test('tenant rate: 429 rate_limited with Retry-After once the burst is spent; precheck charges nothing', () => {
  const { limiter, advance } = setup();
  const limits = { ingestBytesPerSecond: 0, ingestProfilesPerSecond: 2, ingestBurstSeconds: 1 };
  for (let i = 0; i < 5; i++) limiter.precheck('t', limits, 10);
  assert.deepEqual(limiter.admit('t', limits, 10, [{ service: 'a', bytes: 10 }]), [true]);
  assert.deepEqual(limiter.admit('t', limits, 10, [{ service: 'a', bytes: 10 }]), [true]);
  const e = refusal(() => limiter.admit('t', limits, 10, [{ service: 'a', bytes: 10 }]));
  assert.equal(e.code, 'rate_limited');
  assert.equal(e.status, 429);
  assert.equal(e.reason, 'rate_limited');
  assert.equal(e.retryAfter, 1);
  assert.match(e.message, /tenant "t" is over its ingest rate limit; retry after 1 s/);
  assert.equal(refusal(() => limiter.precheck('t', limits, 10)).code, 'rate_limited');
  // Another tenant is untouched.
  assert.deepEqual(limiter.admit('u', limits, 10, [{ service: 'a', bytes: 10 }]), [true]);
  advance(500);
  assert.deepEqual(limiter.admit('t', limits, 10, [{ service: 'a', bytes: 10 }]), [true]);
});

test('service budget: 429 budget_exceeded naming the service; a refused request charges neither tenant nor service', () => {
  const { limiter } = setup({ noisy: { profilesPerSecond: 1 } });
  const limits = { ingestBytesPerSecond: 0, ingestProfilesPerSecond: 3, ingestBurstSeconds: 1 };
  assert.deepEqual(limiter.admit('t', limits, 1, [{ service: 'noisy', bytes: 1 }]), [true]);
  const e = refusal(() => limiter.admit('t', limits, 1, [{ service: 'noisy', bytes: 1 }]));
  assert.equal(e.code, 'budget_exceeded');
  assert.equal(e.status, 429);
  assert.equal(e.retryAfter, 1);
  assert.match(e.message, /service "noisy" of tenant "t" is over its ingest budget \(1 profiles\/s\)/);
  // The tenant bucket (3/s) was charged once only: two more profiles of a quiet service pass.
  assert.deepEqual(limiter.admit('t', limits, 1, [{ service: 'quiet', bytes: 1 }, { service: 'quiet', bytes: 1 }]), [true, true]);
});

test('service budget with sampleOneIn: over budget every N-th upload is kept, the others dropped, no error', () => {
  const { limiter } = setup({ s: { profilesPerSecond: 2, sampleOneIn: 3 } });
  const kept = [];
  for (let i = 0; i < 11; i++) kept.push(...limiter.admit('t', NO_TENANT_LIMIT, 1, [{ service: 's', bytes: 1 }]));
  // 2 within budget, then 9 over it: the 1st, 4th and 7th of those kept.
  assert.deepEqual(kept, [true, true, true, false, false, true, false, false, true, false, false]);
});

test('a budget changed in the settings applies to the next request', () => {
  const { limiter, budgets } = setup({ s: { profilesPerSecond: 1 } });
  limiter.admit('t', NO_TENANT_LIMIT, 1, [{ service: 's', bytes: 1 }]);
  assert.equal(refusal(() => limiter.admit('t', NO_TENANT_LIMIT, 1, [{ service: 's', bytes: 1 }])).code, 'budget_exceeded');
  budgets.s = {};
  assert.deepEqual(limiter.admit('t', NO_TENANT_LIMIT, 1, [{ service: 's', bytes: 1 }]), [true]);
  budgets.s = { bytesPerSecond: 100 };
  assert.deepEqual(limiter.admit('t', NO_TENANT_LIMIT, 5000, [{ service: 's', bytes: 5000 }]), [true], 'one request larger than the bucket passes when it is full');
  const e = refusal(() => limiter.admit('t', NO_TENANT_LIMIT, 1, [{ service: 's', bytes: 1 }]));
  assert.equal(e.code, 'budget_exceeded');
  assert.equal(e.retryAfter, 50, '4900 bytes of debt + 1 byte at 100 bytes/s');
});
