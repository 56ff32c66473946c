import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTiers } from '../../lib/config/tiers.ts';
import { chooseTier, tierHorizons } from './tier.ts';

const tiers = loadTiers(() => undefined, 10);
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const pick = (fromAgo: number, untilAgo = 0, stepSeconds?: number) => chooseTier(tiers, 10, { fromMs: NOW - fromAgo, untilMs: NOW - untilAgo }, { nowMs: NOW, stepSeconds }).name;

describe('chooseTier', () => {
  it('serves a 10-minute range from raw and a 30-day range from the hourly tier', () => {
    assert.deepEqual(chooseTier(tiers, 10, { fromMs: NOW - 10 * MIN, untilMs: NOW }, { nowMs: NOW }), { table: 'samples_raw', bucketSeconds: 10, name: 'raw' });
    assert.deepEqual(chooseTier(tiers, 10, { fromMs: NOW - 30 * DAY, untilMs: NOW }, { nowMs: NOW }), { table: 'samples_1h', bucketSeconds: 3600, name: '1h' });
  });

  it('takes each tier’s horizon as the shortest TTL of any retention tier there', () => {
    assert.deepEqual(
      tierHorizons(tiers, 10).map((h) => [h.tier.name, h.horizonSeconds]),
      [['raw', 12 * 3600], ['1m', 7 * 86400], ['1h', 30 * 86400]],
    );
  });

  it('moves a range that crosses a tier’s horizon to a coarser tier instead of answering it partially', () => {
    // 5 minutes, but 13 hours ago: older than raw keeps the batch tier, so the 1-minute tier serves it.
    assert.equal(pick(13 * HOUR, 13 * HOUR - 5 * MIN), '1m');
    // 1 hour, 8 days ago: beyond the 1-minute tier's horizon too.
    assert.equal(pick(8 * DAY, 8 * DAY - HOUR), '1h');
    // Older than every horizon: the longest-lived tier.
    assert.equal(pick(400 * DAY), '1h');
  });

  it('picks the coarsest covering tier whose bucket fits the step', () => {
    assert.equal(pick(6 * HOUR), '1m'); // 216 s per point
    assert.equal(pick(100 * MIN - MIN), 'raw'); // 59.4 s per point: a minute bucket is too coarse
    assert.equal(pick(6 * HOUR, 0, 15), 'raw');
    assert.equal(pick(6 * HOUR, 0, 3600), '1h'); // an hourly step needs nothing finer than hourly buckets
    assert.equal(pick(6 * HOUR, 0, 3599), '1m');
    assert.equal(pick(2 * DAY, 0, 3600), '1h');
    assert.equal(pick(2 * DAY, 0, 60), '1m');
  });
});
