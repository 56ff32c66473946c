/**
 * Storage tiers against the real embedded store (one Store in this test file's own process): the rollup views,
 * exactly-once through them, downsampling into `other`, per-row retention from service settings, TTL expiry per
 * storage tier and per retention tier, and re-applying the tier DDL when the configuration changes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../lib/config/index.ts';
import { loadTiers } from '../lib/config/tiers.ts';
import type { NormalizedProfile } from '../lib/profile/model.ts';
import { seriesFingerprint, stackId } from '../lib/profile/hash.ts';
import { SettingsStore } from '../lib/settings/service-settings.ts';
import { foldTier, OTHER_STACK_ID } from '../lib/store/compaction.ts';
import { Store } from '../lib/store/store.ts';
import { syncTierDdl } from '../lib/store/tiers-ddl.ts';
import { Batch } from '../services/aggregator/batch.ts';
import { BatchWriter } from '../services/aggregator/writer.ts';

const TYPE = { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' };
const MAX_1M = 5;
const MAX_1H = 4;

/** A deterministic pseudo-random sequence (the test must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function profile(tenant: string, service: string, pod: string, timeMs: number, stacks: [string[], number][]): NormalizedProfile {
  const labels = { service_name: service, pod, __name__: TYPE.name };
  return {
    tenant,
    type: TYPE,
    labels,
    fingerprint: seriesFingerprint(TYPE.id, labels),
    timeMs,
    durationNanos: 0,
    stacks: stacks.map(([frames, value]) => ({ id: stackId(frames), frames, value })),
  };
}

/** Sums per key of one tier, as exact decimal strings. */
async function sums(store: Store, table: string, tenant: string, key: string): Promise<Map<string, string>> {
  const rows = await store.select<{ k: string; v: string }>(
    `SELECT toString(${key}) AS k, toString(sum(value)) AS v FROM ${table} WHERE tenant = {t:String} GROUP BY k HAVING sum(value) != 0 ORDER BY k`,
    { t: tenant },
  );
  return new Map(rows.map((r) => [r.k, r.v]));
}

const hourOf = (col: string) => `(fingerprint, intDiv(toUInt32(${col}), 3600))`;

describe('storage tiers on the embedded store', () => {
  let store: Store;
  const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-tiers-'));
  const env = { HOTPATH_DATA_DIR: dataDir, HOTPATH_TIER_1M_MAX_STACKS: String(MAX_1M), HOTPATH_TIER_1H_MAX_STACKS: String(MAX_1H) };

  before(async () => {
    store = await Store.open(loadConfig(env));
  });
  after(async () => {
    await store.close();
  });

  it('counts a batch inserted twice with one token once, in raw and in every rollup', async () => {
    const bucket = Math.floor(Date.now() / 1000 / 60) * 60 - 600;
    const rows = [
      { tenant: 'dedup', profile_type: TYPE.id, service: 's', fingerprint: '11', bucket, stack_id: '101', value: 7, retention: 'standard' },
      { tenant: 'dedup', profile_type: TYPE.id, service: 's', fingerprint: '12', bucket: bucket + 10, stack_id: '102', value: 5, retention: 'critical' },
    ];
    await store.insertRows('samples_raw', rows, 'batch-token-1');
    await store.insertRows('samples_raw', rows, 'batch-token-1');
    for (const table of ['samples_raw', 'samples_1m', 'samples_1h']) {
      assert.deepEqual(Object.fromEntries(await sums(store, table, 'dedup', 'fingerprint')), { '11': '7', '12': '5' }, table);
    }
    for (const table of ['service_samples_1m', 'service_samples_1h']) {
      assert.deepEqual(Object.fromEntries(await sums(store, table, 'dedup', 'stack_id')), { '101': '7', '102': '5' }, table);
    }
    await store.insertRows('samples_raw', rows, 'batch-token-2');
    for (const table of ['samples_raw', 'samples_1m', 'samples_1h']) {
      assert.deepEqual(Object.fromEntries(await sums(store, table, 'dedup', 'fingerprint')), { '11': '14', '12': '10' }, table);
    }
    for (const table of ['service_samples_1m', 'service_samples_1h']) {
      assert.deepEqual(Object.fromEntries(await sums(store, table, 'dedup', 'stack_id')), { '101': '14', '102': '10' }, table);
    }
  });

  describe('rollups over 25 minutes of simulated time', () => {
    const tenant = 'fleet';
    // Two hours back and hour-aligned, so the data spans the end of one hour bucket and the start of the next.
    const t0 = (Math.floor(Date.now() / 3_600_000) - 2) * 3_600_000 + 45 * 60_000;
    const frames = Array.from({ length: 40 }, (_, i) => ['main', `handler${i % 7}`, `fn${i}`]);
    let expectedTotal = 0;

    before(async () => {
      const random = rng(42);
      const writer = new BatchWriter(store);
      let offset = 0;
      for (let minute = 0; minute < 25; minute++) {
        // One batch per simulated minute, as the aggregator would flush them.
        const batch = new Batch(10, () => 'standard');
        for (let s = 0; s < 60; s += 10) {
          for (const [service, pods] of [['api', ['a', 'b']], ['worker', ['c']]] as const) {
            for (const pod of pods) {
              const stacks: [string[], number][] = [];
              for (const f of frames) if (random() < 0.3) stacks.push([f, 1 + Math.floor(random() * 1000) * 10_000_000]);
              for (const [, v] of stacks) expectedTotal += v;
              batch.add(profile(tenant, service, pod, t0 + minute * 60_000 + s * 1000, stacks));
            }
          }
          batch.track('profiles', 0, String(offset++));
        }
        await writer.write(batch);
      }
    });

    it('sums per series and hour, and per stack, equal raw in every tier before folding', async () => {
      const raw = await sums(store, 'samples_raw', tenant, hourOf('bucket'));
      assert.equal([...raw.values()].reduce((a, v) => a + BigInt(v), 0n), BigInt(expectedTotal));
      assert.deepEqual(await sums(store, 'samples_1m', tenant, hourOf('bucket')), raw);
      assert.deepEqual(await sums(store, 'samples_1h', tenant, hourOf('bucket')), raw);
      const perStack = await sums(store, 'samples_raw', tenant, '(fingerprint, stack_id)');
      assert.deepEqual(await sums(store, 'samples_1m', tenant, '(fingerprint, stack_id)'), perStack);
      assert.deepEqual(await sums(store, 'samples_1h', tenant, '(fingerprint, stack_id)'), perStack);
      // Buckets are the tier's: minute and hour starts.
      const [b] = await store.select<{ m1: string; h1: string }>(
        `SELECT (SELECT toString(countIf(toUInt32(bucket) % 60 != 0)) FROM samples_1m WHERE tenant = {t:String}) AS m1,
                (SELECT toString(countIf(toUInt32(bucket) % 3600 != 0)) FROM samples_1h WHERE tenant = {t:String}) AS h1`,
        { t: tenant },
      );
      assert.deepEqual(b, { m1: '0', h1: '0' });
    });

    it('sums every series of a service into the per-service rollups, equal raw per (service, bucket, stack)', async () => {
      const byService = (bucketSeconds: number) => `(service, intDiv(toUInt32(bucket), ${bucketSeconds}), stack_id)`;
      const raw1m = await sums(store, 'samples_raw', tenant, byService(60));
      assert.equal([...raw1m.values()].reduce((a, v) => a + BigInt(v), 0n), BigInt(expectedTotal));
      assert.deepEqual(await sums(store, 'service_samples_1m', tenant, byService(60)), raw1m);
      assert.deepEqual(await sums(store, 'service_samples_1h', tenant, byService(3600)), await sums(store, 'samples_raw', tenant, byService(3600)));
      // One row per (service, bucket, stack) once merged: api's two pods share its rows.
      await store.command('OPTIMIZE TABLE service_samples_1m FINAL');
      const [n] = await store.select<{ rows: string; keys: string }>(
        `SELECT toString(count()) AS rows, toString(uniqExact(service, bucket, stack_id)) AS keys FROM service_samples_1m WHERE tenant = {t:String}`,
        { t: tenant },
      );
      assert.equal(n!.rows, n!.keys);
      assert.equal(n!.rows, String(raw1m.size));
    });

    it('folds each (series, bucket) to at most K stacks with `other`, keeping every sum exact', async () => {
      const raw = await sums(store, 'samples_raw', tenant, hourOf('bucket'));
      const before1m = await sums(store, 'samples_1m', tenant, '(fingerprint, bucket)');
      const tiers = store.tiers.rollups;
      const results = [];
      for (const tier of tiers) results.push(await foldTier(store, tier, 0, 2 ** 32 - 1));
      assert.ok(results.every((r) => r.groups > 0 && r.stacks > 0), JSON.stringify(results));

      // Totals: per series and hour equal raw's, in both tiers; per series and minute bucket unchanged by the fold.
      assert.deepEqual(await sums(store, 'samples_1m', tenant, hourOf('bucket')), raw);
      assert.deepEqual(await sums(store, 'samples_1h', tenant, hourOf('bucket')), raw);
      assert.deepEqual(await sums(store, 'samples_1m', tenant, '(fingerprint, bucket)'), before1m);

      for (const [tier, k] of [['samples_1m', MAX_1M], ['samples_1h', MAX_1H]] as const) {
        const counts = await store.select<{ n: string; other: string }>(
          `SELECT toString(count()) AS n, toString(countIf(stack_id = 0)) AS other FROM (
             SELECT fingerprint, bucket, stack_id, sum(value) AS v FROM ${tier} WHERE tenant = {t:String}
             GROUP BY fingerprint, bucket, stack_id HAVING v != 0)
           GROUP BY fingerprint, bucket`,
          { t: tenant },
        );
        assert.ok(counts.length > 0);
        for (const c of counts) assert.ok(Number(c.n) <= k, `${tier}: ${c.n} stacks in a bucket, limit ${k}`);
        assert.ok(counts.some((c) => c.other === '1'), `${tier}: no bucket got an other stack`);
        // Kept stacks keep their exact value: every non-other stack of the tier equals its raw sum over the bucket.
        const kept = await store.select<{ d: string }>(
          `SELECT toString(count()) AS d FROM (
             SELECT fingerprint, bucket, stack_id, sum(value) AS v FROM ${tier} WHERE tenant = {t:String} AND stack_id != 0
             GROUP BY fingerprint, bucket, stack_id HAVING v != 0) AS c
           LEFT JOIN (
             SELECT fingerprint, toDateTime(intDiv(toUInt32(bucket), ${tier === 'samples_1m' ? 60 : 3600}) * ${tier === 'samples_1m' ? 60 : 3600}) AS bucket, stack_id, sum(value) AS v
             FROM samples_raw WHERE tenant = {t:String} GROUP BY fingerprint, bucket, stack_id) AS r
           USING (fingerprint, bucket, stack_id)
           WHERE c.v != r.v`,
          { t: tenant },
        );
        assert.deepEqual(kept, [{ d: '0' }], `${tier}: a kept stack's value changed`);
      }

      // A second pass finds nothing left to fold; merging removes the zeroed tail rows physically.
      for (const tier of tiers) assert.deepEqual(await foldTier(store, tier, 0, 2 ** 32 - 1), { tier: tier.name, groups: 0, stacks: 0 });
      await store.command('OPTIMIZE TABLE samples_1h FINAL');
      const [rows] = await store.select<{ n: string; g: string }>(
        'SELECT toString(count()) AS n, toString(uniqExact(fingerprint, bucket)) AS g FROM samples_1h WHERE tenant = {t:String}',
        { t: tenant },
      );
      assert.ok(Number(rows!.n) <= Number(rows!.g) * MAX_1H, `${rows!.n} rows for ${rows!.g} buckets after merge`);
      const other = await store.select<{ frames: string[] }>('SELECT frames FROM stacks FINAL WHERE tenant = {t:String} AND stack_id = {id:UInt64}', { t: tenant, id: OTHER_STACK_ID });
      assert.deepEqual(other, [{ frames: ['other'] }]);
    });
  });

  it('sets each row’s retention from its service’s tier at the time it is written', async () => {
    const settings = new SettingsStore(store);
    await settings.start();
    try {
      await settings.put('ret', 'checkout', { tier: 'critical' });
      const writer = new BatchWriter(store);
      const now = Date.now();
      const write = async (offset: number, timeMs: number) => {
        const batch = new Batch(10, (t, s) => settings.get(t, s).tier);
        batch.add(profile('ret', 'checkout', 'p', timeMs, [[['main', 'a'], 5]]));
        batch.add(profile('ret', 'unset', 'p', timeMs, [[['main', 'a'], 3]]));
        batch.track('profiles', 1, String(offset));
        await writer.write(batch);
      };
      await write(0, now - 60_000);
      await settings.put('ret', 'checkout', { tier: 'batch' });
      await write(1, now - 30_000);
      const rows = await store.select<{ service: string; retention: string; v: string }>(
        `SELECT service, retention, toString(sum(value)) AS v FROM samples_raw WHERE tenant = 'ret' GROUP BY service, retention ORDER BY service, retention`,
      );
      assert.deepEqual(rows, [
        { service: 'checkout', retention: 'batch', v: '5' },
        { service: 'checkout', retention: 'critical', v: '5' },
        { service: 'unset', retention: 'standard', v: '6' },
      ]);
      const series = await store.select<{ service: string; retention: string }>(
        `SELECT service, retention FROM series FINAL WHERE tenant = 'ret' ORDER BY service, retention`,
      );
      assert.deepEqual(series, [
        { service: 'checkout', retention: 'batch' },
        { service: 'checkout', retention: 'critical' },
        { service: 'unset', retention: 'standard' },
      ]);
    } finally {
      settings.stop();
    }
  });

  it('re-applies only the tier DDL whose configuration changed', async () => {
    assert.deepEqual(await syncTierDdl(store.client, store.tiers), []);
    const changed = loadTiers((name) => ({ HOTPATH_TIER_1M_BUCKET_SECONDS: '120', HOTPATH_TIER_1M_MAX_STACKS: String(MAX_1M), HOTPATH_TIER_1H_MAX_STACKS: String(MAX_1H) })[name], 10);
    assert.deepEqual(await syncTierDdl(store.client, changed), ['samples_1m_mv', 'service_samples_1m_mv']);
    const [mv] = await store.select<{ q: string }>(`SELECT as_select AS q FROM system.tables WHERE database = currentDatabase() AND name = 'samples_1m_mv'`);
    assert.match(mv!.q, /intDiv\(toUInt32\(bucket\), 120\) \* 120/);
    const [perService] = await store.select<{ q: string }>(`SELECT as_select AS q FROM system.tables WHERE database = currentDatabase() AND name = 'service_samples_1m_mv'`);
    assert.match(perService!.q, /intDiv\(toUInt32\(bucket\), 120\) \* 120/);
    assert.deepEqual(await syncTierDdl(store.client, store.tiers), ['samples_1m_mv', 'service_samples_1m_mv']);
  });

  // Last: it shortens the TTLs of the shared tables.
  it('expires rows per storage tier and per retention tier once their TTL has passed, keeping the rest', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const old = nowS - 3 * 86400; // data from three days ago, stored then
    const short = loadTiers(
      (name) =>
        ({
          HOTPATH_TIER_CRITICAL_TTL: '10d,20d,30d',
          HOTPATH_TIER_STANDARD_TTL: '1d,5d,10d',
          HOTPATH_TIER_BATCH_TTL: '60s,120s,180s',
          HOTPATH_TIER_1M_MAX_STACKS: String(MAX_1M),
          HOTPATH_TIER_1H_MAX_STACKS: String(MAX_1H),
        })[name],
      10,
    );
    const changed = await syncTierDdl(store.client, short);
    assert.deepEqual(changed.sort(), ['samples_1h', 'samples_1m', 'samples_raw', 'series', 'series_labels', 'service_samples_1h', 'service_samples_1m', 'stacks']);

    const tenant = 'ttl';
    const rows = (['critical', 'standard', 'batch'] as const).map((retention, i) => ({
      tenant, profile_type: TYPE.id, service: retention, fingerprint: String(900 + i), bucket: old, stack_id: '77', value: 10 + i, retention, inserted_at: old,
    }));
    await store.insertRows('samples_raw', rows, 'ttl-rows');
    // A fresh insert of old-timestamped data lives a full TTL from its arrival.
    await store.insertRows('samples_raw', [{ ...rows[2]!, fingerprint: '999', inserted_at: nowS }], 'ttl-late');
    await store.insertRows('series', rows.map((r) => ({ tenant, profile_type: TYPE.id, fingerprint: r.fingerprint, day: new Date(old * 1000).toISOString().slice(0, 10), service: r.service, labels: { service_name: r.service }, retention: r.retention, inserted_at: old })));
    await store.insertRows('stacks', [
      { tenant, stack_id: '77', frames: ['main'], last_seen: old },
      { tenant, stack_id: '78', frames: ['gone'], last_seen: nowS - 60 * 86400 },
    ]);
    for (const table of ['samples_raw', 'samples_1m', 'samples_1h', 'service_samples_1m', 'service_samples_1h', 'series', 'series_labels', 'stacks']) await store.command(`OPTIMIZE TABLE ${table} FINAL`);

    const present = async (table: string) =>
      (await store.select<{ k: string }>(`SELECT DISTINCT concat(retention, ':', toString(fingerprint)) AS k FROM ${table} WHERE tenant = {t:String} ORDER BY k`, { t: tenant })).map((r) => r.k);
    assert.deepEqual(await present('samples_raw'), ['batch:999', 'critical:900']);
    assert.deepEqual(await present('samples_1m'), ['batch:999', 'critical:900', 'standard:901']);
    assert.deepEqual(await present('samples_1h'), ['batch:999', 'critical:900', 'standard:901']);
    assert.deepEqual(await present('series'), ['critical:900', 'standard:901']);
    // The per-service rollups expire as their tier does (each service is named after its retention tier here): the
    // old batch row (12) is gone, the late one (12) stays.
    for (const table of ['service_samples_1m', 'service_samples_1h']) {
      assert.deepEqual(Object.fromEntries(await sums(store, table, tenant, "concat(retention, ':', service)")), { 'batch:batch': '12', 'critical:critical': '10', 'standard:standard': '11' }, table);
    }
    const stacks = await store.select<{ id: string }>('SELECT toString(stack_id) AS id FROM stacks WHERE tenant = {t:String} ORDER BY id', { t: tenant });
    assert.deepEqual(stacks, [{ id: '77' }]);
    // The coarse tiers drop whole parts (one retention tier and day each) rather than rewriting rows.
    const [settingsRow] = await store.select<{ e: string }>(`SELECT engine_full AS e FROM system.tables WHERE database = currentDatabase() AND name = 'samples_1h'`);
    assert.match(settingsRow!.e, /ttl_only_drop_parts = 1/);
    assert.match(settingsRow!.e, /TTL greatest\(bucket, inserted_at\) \+ multiIf\(retention = 'critical', 2592000, retention = 'batch', 180, 864000\)/);
  });
});
