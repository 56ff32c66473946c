/**
 * Storage tiers end to end, through a real `hotpath start` process: profiles ingested over ten minutes of
 * simulated time two hours ago; a 10-minute query is served from raw, a 30-day one from the hourly tier, both with
 * the total that was sent; the hourly tier's downsampling (K = 3 here) folds the tail into `other` without
 * changing a total, while the per-service rollup (read for a selector naming only the service) keeps every stack;
 * a service's tier is set through the settings API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from './helpers/server.ts';

const SERVICE = 'tiers-e2e';
const LEAVES = 8;
/** Per profile, leaf i weighs (i + 1) * 100. */
const body = Array.from({ length: LEAVES }, (_, i) => `main;work;leaf${i} ${(i + 1) * 100}`).join('\n');
const PROFILES = 20;
/** Folded counts are CPU samples at the default 100 Hz: 10 ms (1e7 ns) each. */
const NS = 10_000_000;

async function getJson(url: string): Promise<{ status: number; tier: string | null; body: any }> {
  const res = await fetch(url);
  return { status: res.status, tier: res.headers.get('x-hotpath-tier'), body: await res.json() };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('storage tiers end to end', () => {
  let server: TestServer;
  // The start of the hour two hours ago: its hour bucket is closed, so the compactor may fold it.
  const t0 = (Math.floor(Date.now() / 3_600_000) - 2) * 3600;
  let query = '';
  /** The same series through a matcher the per-service path does not take: read from the per-series tiers. */
  let perSeriesQuery = '';

  before(async () => {
    server = await startServer({
      env: {
        HOTPATH_TIER_1H_MAX_STACKS: '3',
        HOTPATH_TIER_COMPACT_INTERVAL_SECONDS: '1',
        HOTPATH_TIER_COMPACT_DELAY_SECONDS: '0',
        // Every pass sweeps the lookback window: the test's rows arrive long after their hour closed.
        HOTPATH_TIER_COMPACT_SWEEP_SECONDS: '1',
        // The profiles are from two hours ago: wider than the default ingestion window.
        HOTPATH_LIMIT_REJECT_OLDER_THAN_SECONDS: String(4 * 3600),
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  it('sets the service’s retention tier through the settings API', async () => {
    const put = await fetch(`${server.url}/api/v1/services/${SERVICE}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tier: 'critical' }) });
    assert.equal(put.status, 200);
    const got = await getJson(`${server.url}/api/v1/services/${SERVICE}`);
    assert.equal(got.body.tier, 'critical');
  });

  it('ingests ten minutes of profiles', async () => {
    for (let i = 0; i < PROFILES; i++) {
      const from = t0 + i * 30;
      const res = await fetch(`${server.url}/ingest?name=${SERVICE}&format=folded&from=${from}&until=${from + 10}`, { method: 'POST', body });
      assert.equal(res.status, 200, await res.text());
    }
    const types = await getJson(`${server.url}/api/v1/profile-types?from=${t0}&until=now`);
    assert.equal(types.status, 200);
    const ids: string[] = types.body.profileTypes.map((t: { id?: string } | string) => (typeof t === 'string' ? t : t.id));
    assert.equal(ids.length, 1, JSON.stringify(types.body));
    query = encodeURIComponent(`${ids[0]}{service_name="${SERVICE}"}`);
    perSeriesQuery = encodeURIComponent(`${ids[0]}{service_name=~"${SERVICE}"}`);
  });

  const expectedTotal = PROFILES * ((LEAVES * (LEAVES + 1)) / 2) * 100 * NS;

  it('serves a 10-minute range from raw and a 30-day range from the hourly tier, with the same total', async () => {
    const raw = await until('the profiles to be stored', async () => {
      const r = await getJson(`${server.url}/api/v1/top?query=${query}&from=${t0}&until=${t0 + 600}&limit=20`);
      return r.body.total === expectedTotal ? r : undefined;
    });
    assert.equal(raw.status, 200);
    assert.equal(raw.body.tier, 'raw');
    assert.equal(raw.tier, 'raw');
    assert.equal(raw.body.rows.length, LEAVES + 2); // the leaves, main and work

    const month = await getJson(`${server.url}/api/v1/top?query=${query}&from=now-30d&until=now&limit=20`);
    assert.equal(month.status, 200);
    assert.equal(month.body.tier, '1h');
    assert.equal(month.tier, '1h');
    assert.equal(month.body.total, expectedTotal);
  });

  it('folds the hourly tier’s tail into `other`, keeping totals and the kept stacks exact', async () => {
    const folded = await until('the hourly bucket to be downsampled', async () => {
      const r = await getJson(`${server.url}/api/v1/top?query=${perSeriesQuery}&from=now-30d&until=now&limit=20`);
      // Folded, and folded again after the last late rows (the bucket closed before the test sent them): K = 3
      // stacks (leaf7, leaf6 and other) under main;work.
      const functions = r.body.rows.map((row: { function: string }) => row.function);
      return functions.includes('other') && functions.length === 5 ? r : undefined;
    });
    assert.equal(folded.body.tier, '1h');
    assert.equal(folded.body.total, expectedTotal);
    const tail = Array.from({ length: LEAVES - 2 }, (_, i) => (i + 1) * 100).reduce((a, b) => a + b, 0) * PROFILES * NS;
    assert.deepEqual(
      folded.body.rows.map((r: { function: string; self: number }) => [r.function, r.self]),
      [
        ['other', tail],
        ['leaf7', 800 * PROFILES * NS],
        ['leaf6', 700 * PROFILES * NS],
        ['main', 0],
        ['work', 0],
      ],
    );

    const flame = await fetch(`${server.url}/api/v1/flamegraph?query=${perSeriesQuery}&from=now-30d&until=now`);
    assert.equal(flame.headers.get('x-hotpath-tier'), '1h');
    const tree = (await flame.json()) as { tier: string; total: number; root: { children: { name: string; total: number }[] } };
    assert.equal(tree.tier, '1h');
    assert.equal(tree.total, expectedTotal);
    assert.deepEqual(tree.root.children.map((c: { name: string; total: number }) => [c.name, c.total]).sort(), [
      ['main', 1500 * PROFILES * NS],
      ['other', tail],
    ]);

    // The per-service hourly rollup is not downsampled: the service alone, over the same 30 days, has every leaf.
    const perService = await getJson(`${server.url}/api/v1/top?query=${query}&from=now-30d&until=now&limit=20`);
    assert.equal(perService.body.tier, '1h');
    assert.equal(perService.body.total, expectedTotal);
    assert.deepEqual(
      perService.body.rows.map((r: { function: string; self: number }) => [r.function, r.self]),
      [...Array.from({ length: LEAVES }, (_, i) => [`leaf${LEAVES - 1 - i}`, (LEAVES - i) * 100 * PROFILES * NS]), ['main', 0], ['work', 0]],
    );

    // Raw is never downsampled.
    const raw = await getJson(`${server.url}/api/v1/top?query=${query}&from=${t0}&until=${t0 + 600}&limit=20`);
    assert.equal(raw.body.tier, 'raw');
    assert.equal(raw.body.total, expectedTotal);
    assert.ok(!raw.body.rows.some((r: { function: string }) => r.function === 'other'));
  });
});
