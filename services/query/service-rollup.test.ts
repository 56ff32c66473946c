/**
 * The per-service read path: how a range is cut into segments, when the path is taken, and — against the real
 * embedded store — that it returns exactly what the per-series tiers return for the same selection and range.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config/index.ts';
import { loadTiers } from '../../lib/config/tiers.ts';
import { seriesFingerprint, stackId } from '../../lib/profile/hash.ts';
import type { NormalizedProfile } from '../../lib/profile/model.ts';
import { parseSelector } from '../../lib/query/selector.ts';
import { readServiceRollupStart, recordServiceRollupStart } from '../../lib/store/service-rollup-start.ts';
import { Store } from '../../lib/store/store.ts';
import { Batch } from '../aggregator/batch.ts';
import { BatchWriter } from '../aggregator/writer.ts';
import { Params, type Selection } from './selection.ts';
import { planSegments, selectedService, serviceSamples, serviceTierSamples } from './service-rollup.ts';
import { mergeStacks } from './stacks.ts';
import { timeseries } from './timeseries.ts';
import { chooseTier } from './tier.ts';

const TYPE = { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' };
const sel = (selector: string, fromMs: number, untilMs: number): Selection => ({ tenant: 'svc', profileTypeId: TYPE.id, matchers: parseSelector(selector), fromMs, untilMs });

describe('per-service read path', () => {
  it('cuts a range into whole hours, then whole minutes, then raw buckets at the edges', () => {
    const levels = [
      { table: 'samples_raw', bucketSeconds: 10 },
      { table: 'service_samples_1m', bucketSeconds: 60 },
      { table: 'service_samples_1h', bucketSeconds: 3600 },
    ];
    // 00:58:30 → 03:01:20
    const segs = planSegments(3510, 3 * 3600 + 80, levels).map((s) => [s.table, s.fromS, s.untilS]);
    assert.deepEqual(segs, [
      ['samples_raw', 3510, 3540],
      ['service_samples_1m', 3540, 3600],
      ['service_samples_1h', 3600, 10800],
      ['service_samples_1m', 10800, 10860],
      ['samples_raw', 10860, 10880],
    ]);
    // Shorter than an hour: minutes and raw only; shorter than a minute: raw only; empty: nothing.
    assert.deepEqual(planSegments(50, 200, levels).map((s) => [s.table, s.fromS, s.untilS]), [
      ['samples_raw', 50, 60],
      ['service_samples_1m', 60, 180],
      ['samples_raw', 180, 200],
    ]);
    assert.deepEqual(planSegments(70, 110, levels).map((s) => s.table), ['samples_raw']);
    assert.deepEqual(planSegments(100, 100, levels), []);
  });

  it('is taken only for a selector that is exactly service_name = X, or that and version = V', () => {
    assert.deepEqual(selectedService(sel('{service_name="api"}', 0, 1)), { service: 'api' });
    assert.deepEqual(selectedService(sel('{service_name=""}', 0, 1)), { service: '' });
    assert.deepEqual(selectedService(sel('{version="v2", service_name="api"}', 0, 1)), { service: 'api', version: 'v2' });
    for (const s of [
      '{service_name=~"api"}',
      '{service_name!="api"}',
      '{service.name="api"}',
      '{service_name="api", pod="a"}',
      '{service_name="api", version=~"v2"}',
      '{service_name="api", version="v2", pod="a"}',
      '{service_name="api", service_name="api"}',
      '{version="v2"}',
      '{}',
    ]) {
      assert.equal(selectedService(sel(s, 0, 1)), undefined, s);
    }
  });

  it('is not taken for a range that starts before the per-service tables are complete', async () => {
    const tiers = loadTiers(() => undefined, 10);
    const nowMs = Date.now();
    const range = sel('{service_name="api"}', nowMs - 3_600_000, nowMs);
    const tier = chooseTier(tiers, 10, range);
    const fake = (since: number | undefined) => ({ tiers, serviceRollupStart: async () => since }) as unknown as Store;
    const fromS = Math.floor(range.fromMs / 1000 / tier.bucketSeconds) * tier.bucketSeconds;
    assert.equal(await serviceSamples(fake(undefined), range, tier, new Params()), undefined);
    assert.equal(await serviceSamples(fake(fromS + 1), range, tier, new Params()), undefined);
    assert.match((await serviceSamples(fake(fromS), range, tier, new Params()))!, /FROM service_samples_1m WHERE/);
  });

  describe('on the embedded store', () => {
    let store: Store;
    const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-service-rollup-'));
    // 2 h 40 min of profiles ending 20 minutes ago, from 11:40 past an hour: whole hours and both kinds of edge.
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const t0 = hour - 3 * 3_600_000 + 40 * 60_000 + 5_000;
    const t1 = t0 + 160 * 60_000;
    let total = 0n;

    before(async () => {
      store = await Store.open(loadConfig({ HOTPATH_DATA_DIR: dataDir }));
      const writer = new BatchWriter(store);
      const frames = Array.from({ length: 30 }, (_, i) => ['main', `h${i % 4}`, `fn${i}`]);
      let offset = 0;
      // Deterministic values: each (pod, time, stack) a different number, every stack not in every profile.
      for (let t = t0, k = 0; t < t1; t += 60_000) {
        const batch = new Batch(10, () => 'standard');
        for (let s = 0; s < 60_000; s += 15_000) {
          for (const [service, pod, version] of [['api', 'a', 'v1'], ['api', 'b', 'v1'], ['api', 'c', 'v2'], ['worker', 'w', '']]) {
            // Pod c runs the canary; worker has no version label (it reads as '').
            const labels: Record<string, string> = { service_name: service!, pod: pod!, __name__: TYPE.name };
            if (version) labels.version = version;
            const stacks = frames.filter((_, i) => (i + k) % 3 !== 0).map((f, i) => ({ id: stackId(f), frames: f, value: 1_000_000 * (1 + ((k * 31 + i * 7) % 97)) }));
            k++;
            if (service === 'api') total += stacks.reduce((a, x) => a + BigInt(x.value), 0n);
            const p: NormalizedProfile = { tenant: 'svc', type: TYPE, labels, fingerprint: seriesFingerprint(TYPE.id, labels), timeMs: t + s, durationNanos: 0, stacks };
            batch.add(p);
          }
          batch.track('profiles', 0, String(offset++));
        }
        await writer.write(batch);
      }
    });
    after(async () => {
      await store.close();
    });

    it('recorded the epoch: the store held no samples when it was opened', async () => {
      assert.equal(await store.serviceRollupStart(), 0);
    });

    it('answers every range exactly as the per-series tiers do, from fewer rows', async () => {
      const ranges: [number, number][] = [
        [t0 - 60_000, t1 + 60_000], // everything: 1m tier, whole hours from service_samples_1h
        [t0 + 123_456, t1 - 654_321], // unaligned edges
        [hour - 3_600_000, hour], // exactly one hour
        [t0 + 7_777, t0 + 47 * 60_000 + 3_333], // under 100 min: raw tier, raw edges + minutes
        [t0 + 65_000, t0 + 95_000], // under a minute
      ];
      let fullRange = true;
      for (const [from, until] of ranges) {
        const service = sel('{service_name="api"}', from, until);
        assert.ok(await serviceSamples(store, service, chooseTier(store.tiers, 10, service), new Params()), 'takes the per-service path');
        const perService = await mergeStacks(store, service, 10);
        const perSeries = await mergeStacks(store, sel('{service_name=~"api"}', from, until), 10);
        const asMap = (m: typeof perService) => new Map(m.stacks.map((s) => [s.frames.join(';'), s.value]));
        assert.equal(perService.tier.name, perSeries.tier.name);
        assert.equal(perService.total, perSeries.total, `${from}..${until}`);
        assert.deepEqual(asMap(perService), asMap(perSeries), `${from}..${until}`);
        assert.ok(perService.total > 0n);
        if (fullRange) assert.equal(perService.total, total);
        fullRange = false;
      }
      // The per-service tables hold api's rows summed over the pods of each version: a and b (v1) share a row.
      const [rows] = await store.select<{ s: string; r: string }>(
        `SELECT toString((SELECT count() FROM service_samples_1m FINAL WHERE service = 'api')) AS s,
                toString((SELECT count() FROM samples_1m FINAL WHERE service = 'api')) AS r`,
      );
      assert.equal(Number(rows!.s) * 3, Number(rows!.r) * 2);
    });

    it('answers a version of the service exactly as the per-series tiers do', async () => {
      let versions = 0n;
      for (const [from, until] of [
        [t0 - 60_000, t1 + 60_000],
        [t0 + 123_456, t1 - 654_321],
        [t0 + 7_777, t0 + 47 * 60_000 + 3_333],
      ] as [number, number][]) {
        for (const version of ['v1', 'v2', '']) {
          const one = sel(`{service_name="api", version="${version}"}`, from, until);
          assert.ok(await serviceSamples(store, one, chooseTier(store.tiers, 10, one), new Params()), 'takes the per-service path');
          const perVersion = await mergeStacks(store, one, 10);
          const perSeries = await mergeStacks(store, sel(`{service_name="api", version=~"${version}"}`, from, until), 10);
          assert.equal(perVersion.total, perSeries.total, `${version} ${from}..${until}`);
          assert.deepEqual(new Map(perVersion.stacks.map((x) => [x.frames.join(';'), x.value])), new Map(perSeries.stacks.map((x) => [x.frames.join(';'), x.value])));
          if (from === t0 - 60_000) versions += perVersion.total;
        }
      }
      // v1 and v2 are all of api; api has no series without a version.
      assert.equal(versions, total);
      const none = await mergeStacks(store, sel('{service_name="api", version=""}', t0 - 60_000, t1 + 60_000), 10);
      assert.equal(none.total, 0n);
      const worker = await mergeStacks(store, sel('{service_name="worker", version=""}', t0 - 60_000, t1 + 60_000), 10);
      assert.equal(worker.total, (await mergeStacks(store, sel('{service_name="worker"}', t0 - 60_000, t1 + 60_000), 10)).total);
      assert.ok(worker.total > 0n);
    });

    it('gives every time series point as the per-series tier does', async () => {
      const cases: [number, number, number | undefined][] = [
        [t0 - 60_000, t1 + 60_000, undefined], // 1m tier, default step
        [t0 - 60_000, t1 + 60_000, 600],
        [t0 + 7_777, t0 + 47 * 60_000 + 3_333, 30], // raw tier, by service from samples_raw
      ];
      for (const [from, until, step] of cases) {
        const service = sel('{service_name="api"}', from, until);
        assert.ok(await serviceTierSamples(store, service, chooseTier(store.tiers, 10, service, { stepSeconds: step ?? (until - from) / 1000 / 1000 }), new Params()), 'takes the per-service path');
        const a = await timeseries(store, service, 10, { stepSeconds: step });
        const b = await timeseries(store, sel('{service_name=~"api"}', from, until), 10, { stepSeconds: step });
        assert.equal(a.tier.name, b.tier.name);
        assert.equal(a.stepSeconds, b.stepSeconds);
        assert.ok(a.series[0]!.points.length > 1);
        assert.deepEqual(a.series, b.series, `${from}..${until} step ${step}`);
      }
    });

    it('records, on a store that already holds samples, the hour after the latest one', async () => {
      await store.command('TRUNCATE TABLE service_rollup_start');
      await recordServiceRollupStart(store.client);
      const nextHour = (Math.floor(Date.now() / 3_600_000) + 2) * 3600;
      const since = await readServiceRollupStart(store);
      // now() + 1 h, to the hour, plus one hour (the clock may have crossed an hour between the two readings).
      assert.ok(since === nextHour || since === nextHour + 3600, `${since} vs ${nextHour}`);
      // Recorded once: a second call adds nothing.
      await recordServiceRollupStart(store.client);
      const [n] = await store.select<{ n: string }>('SELECT toString(count()) AS n FROM service_rollup_start');
      assert.equal(n!.n, '1');
    });
  });
});
