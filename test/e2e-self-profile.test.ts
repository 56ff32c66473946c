/**
 * Hotpath profiled by Hotpath: one `hotpath` process (ingest + aggregator) with HOTPATH_SELF_PROFILE_URL pointing
 * at a second one, loaded with real pprof uploads. The second must hold the first's profiles under the configured
 * name with its role and pod labels, and Hotpath's own decoder on the CPU profile. Decode runs on the main thread
 * here (HOTPATH_DECODE_WORKERS=0): the SDK samples that thread only (lib/telemetry/self-profile.ts).
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { readRecentProfile } from './helpers/pprof-oracle.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const NAME = 'hotpath-under-test';
const CPU = 'wall:cpu:nanoseconds:wall:nanoseconds';
const RANGE = 'from=now-1h&until=now%2B10m';
const LOAD_MS = 4000;

describe('self-profiling: Hotpath → Hotpath', () => {
  let receiver: TestServer;
  let profiled: TestServer;

  before(async () => {
    receiver = await startServer();
    profiled = await startServer({
      env: {
        HOTPATH_ROLE: 'ingest,aggregator',
        HOTPATH_DECODE_WORKERS: '0',
        HOTPATH_SELF_PROFILE_URL: `${receiver.url}/`,
        HOTPATH_SELF_PROFILE_NAME: NAME,
        HOTPATH_SELF_PROFILE_INTERVAL_MS: '1000',
      },
    });
  });
  after(async () => {
    await profiled?.stop();
    await receiver?.stop();
  });

  async function get<T>(path: string): Promise<T> {
    const res = await fetch(`${receiver.url}${path}`);
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  }

  it('sends its own profiles, labelled, with its decoder in the CPU profile', async () => {
    // A large profile keeps the decoder busy long enough for ~100 Hz sampling to land in it many times.
    const body = readRecentProfile('go-heap-41k-samples.pprof');
    const url = `${profiled.url}/ingest?name=${encodeURIComponent('self-profile-load{zone=eu-1}')}&format=pprof`;
    const end = Date.now() + LOAD_MS;
    let sent = 0;
    const sender = async () => {
      while (Date.now() < end) {
        const res = await fetch(url, { method: 'POST', body });
        assert.equal(res.status, 200, await res.text());
        sent++;
      }
    };
    await Promise.all([sender(), sender()]);
    assert.ok(sent > 0);
    // SIGTERM stops the SDK, which uploads the last interval before the process exits.
    await profiled.stop();
    assert.equal(profiled.proc.exitCode, 0, profiled.logs.join('\n'));
    assert.ok(profiled.logs.some((l) => l.includes('"msg":"self-profiling"')), profiled.logs.join('\n'));

    const { series } = await get<{ series: { labels: Record<string, string> }[] }>(`/api/v1/series?query=${encodeURIComponent(`${CPU}{service_name="${NAME}"}`)}&${RANGE}`);
    assert.equal(series.length, 1, JSON.stringify(series));
    const labels = series[0]!.labels;
    assert.equal(labels.service_name, NAME);
    assert.equal(labels.role, 'aggregator+ingest');
    assert.equal(labels.pod, hostname());

    const top = await get<{ total: number | string; rows: { function: string; self: number; total: number }[] }>(
      `/api/v1/top?query=${encodeURIComponent(`${CPU}{service_name="${NAME}"}`)}&${RANGE}&limit=1000&sort=total`,
    );
    assert.ok(Number(top.total) > 0, 'cpu total');
    // Every decode passes through profilesFromPprof, whichever inner function the sample lands in.
    const decoder = top.rows.find((r) => /lib\/profile\/index\.ts:profilesFromPprof:/.test(r.function));
    assert.ok(decoder && decoder.total > 0, JSON.stringify(top.rows.slice(0, 15), null, 1));
  });
});
