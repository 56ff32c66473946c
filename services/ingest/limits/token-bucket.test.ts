import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RatePair, TokenBucket } from './token-bucket.ts';

test('token bucket: burst up to capacity, then refills at the rate', () => {
  const b = new TokenBucket(2, 4, 0);
  for (let i = 0; i < 4; i++) {
    assert.equal(b.wait(1, 0), 0);
    b.take(1);
  }
  assert.equal(b.wait(1, 0), 0.5);
  assert.equal(b.wait(1, 500), 0);
  b.take(1);
  assert.equal(b.wait(1, 500), 0.5);
});

test('token bucket: a cost larger than the bucket passes when full and leaves a debt the rate repays', () => {
  const b = new TokenBucket(1000, 2000, 0);
  assert.equal(b.wait(16_000, 0), 0, 'a full bucket admits one request bigger than itself');
  b.take(16_000);
  // 14 000 tokens of debt + 2 000 (the whole bucket, what the next large request needs) at 1000/s = 16 s.
  assert.equal(b.wait(16_000, 0), 16);
  assert.equal(b.wait(1, 14_001), 0);
  assert.equal(b.wait(16_000, 15_999) > 0, true);
  assert.equal(b.wait(16_000, 16_000), 0);
});

test('token bucket: reconfigure keeps the fill, capped by the new size', () => {
  const b = new TokenBucket(10, 100, 0);
  b.take(50);
  b.reconfigure(1, 20, 0);
  assert.equal(b.wait(20, 0), 0);
  b.take(20);
  assert.equal(b.wait(1, 0), 1);
});

test('rate pair: both buckets must admit; a refusal charges neither; rate 0 means unlimited', () => {
  const p = new RatePair(0, { bytesPerSecond: 100, profilesPerSecond: 1, burstSeconds: 2 });
  assert.equal(p.admit(150, 1, 0, true), 0);
  assert.equal(p.admit(10, 1, 0, true), 0);
  // bytes: 40 left, profiles: 0 left → wait for a profile token (1 s).
  assert.equal(p.admit(10, 1, 0, true), 1);
  assert.equal(p.admit(10, 1, 1000, true), 0);
  const free = new RatePair(0, { burstSeconds: 10 });
  assert.equal(free.unlimited, true);
  assert.equal(free.admit(1e12, 1e6, 0, true), 0);
});
