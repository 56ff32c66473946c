import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './index.ts';
import { loadTiers, parseDuration } from './tiers.ts';

const from = (env: Record<string, string>) => (name: string) => env[name];

describe('tier configuration', () => {
  it('has the documented defaults', () => {
    const t = loadConfig({}).tiers;
    assert.deepEqual(t.rollups, [
      { name: '1m', table: 'samples_1m', bucketSeconds: 60, maxStacks: 2000 },
      { name: '1h', table: 'samples_1h', bucketSeconds: 3600, maxStacks: 500 },
    ]);
    assert.deepEqual(t.ttlSeconds, {
      critical: { raw: 7 * 86400, '1m': 30 * 86400, '1h': 400 * 86400 },
      standard: { raw: 2 * 86400, '1m': 14 * 86400, '1h': 90 * 86400 },
      batch: { raw: 12 * 3600, '1m': 7 * 86400, '1h': 30 * 86400 },
    });
    assert.deepEqual(t.compaction, { enabled: true, intervalSeconds: 60, delaySeconds: 120, lookbackSeconds: 10800, sweepSeconds: 3600 });
    assert.equal(t.queryPoints, 100);
  });

  it('reads HOTPATH_TIER_* and the config file’s `tiers` object', () => {
    const t = loadConfig({ HOTPATH_TIER_BATCH_TTL: '30s,1m,2h', HOTPATH_TIER_1H_MAX_STACKS: '0', HOTPATH_TIER_COMPACT: 'false' }).tiers;
    assert.deepEqual(t.ttlSeconds.batch, { raw: 30, '1m': 60, '1h': 7200 });
    assert.equal(t.rollups[1]!.maxStacks, 0);
    assert.equal(t.compaction.enabled, false);
    const f = loadTiers((_name, key) => ({ bucketSeconds1m: 120 })[key], 10);
    assert.equal(f.rollups[0]!.bucketSeconds, 120);
  });

  it('refuses layouts the storage cannot honour, naming the setting', () => {
    assert.throws(() => loadTiers(from({ HOTPATH_TIER_1M_BUCKET_SECONDS: '45' }), 10), { message: 'config: HOTPATH_TIER_1M_BUCKET_SECONDS (45) must be a multiple of HOTPATH_BUCKET_SECONDS (10)' });
    assert.throws(() => loadTiers(from({ HOTPATH_TIER_1H_BUCKET_SECONDS: '3630' }), 10), { message: 'config: HOTPATH_TIER_1H_BUCKET_SECONDS (3630) must be a multiple of HOTPATH_TIER_1M_BUCKET_SECONDS (60)' });
    assert.throws(() => loadTiers(from({ HOTPATH_TIER_1M_BUCKET_SECONDS: '50', HOTPATH_TIER_1H_BUCKET_SECONDS: '35000' }), 10), {
      message: 'config: HOTPATH_TIER_1H_BUCKET_SECONDS (35000) must divide a day (86400 s)',
    });
    assert.throws(() => loadTiers(from({ HOTPATH_TIER_1M_MAX_STACKS: '1' }), 10), { message: 'config: HOTPATH_TIER_1M_MAX_STACKS must be 0 (keep all) or at least 2 (one stack and `other`)' });
    assert.throws(() => loadTiers(from({ HOTPATH_TIER_STANDARD_TTL: '2d,14d' }), 10), { message: 'config: HOTPATH_TIER_STANDARD_TTL must list 3 durations (raw, 1m, 1h), got "2d,14d"' });
    assert.throws(() => loadTiers(from({ HOTPATH_TIER_CRITICAL_TTL: '7d,1d,400d' }), 10), {
      message: 'config: HOTPATH_TIER_CRITICAL_TTL: the 1m TTL must not be shorter than the raw TTL, got "7d,1d,400d"',
    });
    assert.throws(() => parseDuration('X', '3 weeks'), { message: 'config: X: "3 weeks" is not a duration (a count and one of s, m, h, d, e.g. 90d)' });
    assert.throws(() => parseDuration('X', '0d'), { message: 'config: X: "0d" must be longer than zero' });
  });
});
