/**
 * The gateway's limits on a real server, each refusal with its exact status, code, message and metric increment;
 * a 1 GiB gzip bomb refused with bounded memory; a noisy tenant throttled while a quiet one is untouched; a service
 * budget set through the API applied on the running gateway, sampling instead of refusing, and kept on restart.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { createGzip } from 'node:zlib';
import { metric, scrape, metricValue } from './helpers/metrics.ts';
import { oracleTotals, readRecentProfile } from './helpers/pprof-oracle.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const FIB = readRecentProfile('go-cpu-fib.pb.gz');
const FIB_CPU = Number(oracleTotals(FIB).find((t) => t.type === 'cpu')!.total);
const DEEP = readRecentProfile('go-cpu-deep-stacks.pb.gz');

const CONFIG = {
  multitenancy: true,
  tenantLimits: {
    noisy: { ingestProfilesPerSecond: 5, ingestBurstSeconds: 1 },
    strict: { requiredLabels: ['service_name', 'team'], maxLabelNames: 6, maxLabelValueLength: 16, maxSamplesPerProfile: 50, maxStackDepth: 8 },
    tiny: { maxBodyBytes: 1000 },
    few: { maxActiveSeries: 2 },
    budgeted: { ingestBurstSeconds: 1 },
    deep: { maxStackDepth: 8 },
  },
};

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

let seq = 0;
/** Posts a profile; each call has its own time range so retry dedupe never merges two test uploads. */
async function ingest(server: TestServer, tenant: string, name: string, body: Uint8Array): Promise<Answer> {
  const from = 1_700_000_000 + seq++ * 10;
  const res = await fetch(`${server.url}/ingest?name=${encodeURIComponent(name)}&format=pprof&from=${from}&until=${from + 10}`, {
    method: 'POST',
    body,
    headers: { 'x-scope-orgid': tenant, 'content-type': 'application/octet-stream' },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function top(server: TestServer, tenant: string, service: string): Promise<number> {
  const q = encodeURIComponent(`${CPU}{service_name="${service}"}`);
  const res = await fetch(`${server.url}/api/v1/top?query=${q}&from=1&until=now&limit=1`, { headers: { 'x-scope-orgid': tenant } });
  assert.equal(res.status, 200);
  return Number(((await res.json()) as { total: number }).total);
}

/** Waits until the aggregator has written `expected` (a flush is asynchronous), then returns the total. */
async function settledTop(server: TestServer, tenant: string, service: string, expected: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    total = await top(server, tenant, service);
    if (total === expected) return total;
    await new Promise((r) => setTimeout(r, 100));
  }
  return total;
}

function vmHWMBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmHWM in /proc/<pid>/status');
  return Number(m[1]) * 1024;
}

async function gzipBomb(bytes: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1 << 20);
  const chunks = bytes / chunk.length;
  return buffer(Readable.from((function* () {
    for (let i = 0; i < chunks; i++) yield chunk;
  })()).pipe(createGzip({ level: 9 })));
}

describe('gateway limits', { timeout: 5 * 60_000 }, () => {
  let server: TestServer;
  const dataDir = tempDir();
  const configFile = join(dataDir, 'hotpath.json');
  writeFileSync(configFile, JSON.stringify(CONFIG));
  const env = { HOTPATH_CONFIG: configFile };

  before(async () => {
    server = await startServer({ dataDir, env });
  });
  after(async () => {
    await server?.stop();
  });

  async function refused(tenant: string, name: string, body: Uint8Array, status: number, code: string, reason: string, message: string | RegExp): Promise<Answer> {
    const labels = { reason, tenant };
    const before = [await metric(server.url, 'hotpath_discarded_profiles_total', labels), await metric(server.url, 'hotpath_discarded_bytes_total', labels)];
    const a = await ingest(server, tenant, name, body);
    assert.equal(a.status, status, JSON.stringify(a.body));
    assert.equal(a.body.error.code, code);
    if (typeof message === 'string') assert.equal(a.body.error.message, message);
    else assert.match(a.body.error.message, message);
    assert.equal(await metric(server.url, 'hotpath_discarded_profiles_total', labels), before[0]! + 1, `discarded profiles {${reason}, ${tenant}}`);
    assert.equal(await metric(server.url, 'hotpath_discarded_bytes_total', labels), before[1]! + body.length, `discarded bytes {${reason}, ${tenant}}`);
    return a;
  }

  it('a 1 GiB gzip bomb is refused with 413 without the server allocating it', async () => {
    const bomb = await gzipBomb(1 << 30);
    assert.ok(bomb.length < 2 << 20, `the bomb is small on the wire (${bomb.length} bytes)`);
    const hwmBefore = vmHWMBytes(server.proc.pid!);
    await refused('t1', 'bomb', bomb, 413, 'too_large', 'profile_too_large', /64 ?MiB|67108864/);
    const growth = vmHWMBytes(server.proc.pid!) - hwmBefore;
    // The decompression cap is 64 MiB; 1 GiB would show as ≥ 1 GiB of growth. A wide margin for GC and buffers.
    assert.ok(growth < 384 << 20, `peak RSS grew by ${(growth / 2 ** 20).toFixed(0)} MiB`);
    assert.equal((await fetch(`${server.url}/healthy`)).status, 200);
  });

  it('compressed body over the limit: 413 body_too_large (process-wide and per tenant)', async () => {
    await refused('t1', 'big', Buffer.alloc(16 * 1024 * 1024 + 1), 413, 'too_large', 'body_too_large', /exceeds the limit/);
    await refused('tiny', 'big', Buffer.alloc(1001), 413, 'too_large', 'body_too_large', 'request body of 1001 bytes exceeds the limit of 1000 bytes');
  });

  it('label contract: a missing required label is 400 missing_label naming it; recommended ones are counted', async () => {
    await refused('strict', 'app{zone=a}', FIB, 400, 'missing_label', 'missing_label', 'profile has no label "team", which this tenant requires (required labels: service_name, team)');
    const checked = await metric(server.url, 'hotpath_label_contract_profiles_total', { tenant: 't1', service: 'cov' });
    const missingPod = await metric(server.url, 'hotpath_label_contract_missing_total', { tenant: 't1', service: 'cov', label: 'pod' });
    assert.equal((await ingest(server, 't1', 'cov{version=1,region=eu,build_id=b}', FIB)).status, 200);
    assert.equal(await metric(server.url, 'hotpath_label_contract_profiles_total', { tenant: 't1', service: 'cov' }), checked + 1);
    assert.equal(await metric(server.url, 'hotpath_label_contract_missing_total', { tenant: 't1', service: 'cov', label: 'pod' }), missingPod + 1);
    assert.equal(await metric(server.url, 'hotpath_label_contract_missing_total', { tenant: 't1', service: 'cov', label: 'zone|region' }), 0);
  });

  it('label names per series, value length, samples per profile: 400 with their reasons', async () => {
    // service_name, pyroscope_spy, __name__ + team + 3 more = 7 > 6.
    await refused('strict', 'app{team=x,a=1,b=2,c=3}', FIB, 400, 'bad_request', 'too_many_labels', 'series has 7 label names, more than the limit of 6 (service "app")');
    await refused('strict', `app{team=${'x'.repeat(17)}}`, FIB, 400, 'bad_request', 'label_value_too_long', 'value of label "team" is 17 characters long, more than the limit of 16');
    // go-cpu-fib has more than 50 distinct stacks per sample type.
    const many = await refused('strict', 'app{team=x}', FIB, 400, 'too_many_samples', 'too_many_samples', /^profile process_cpu:\S+ has (\d+) distinct stacks, more than the limit of 50 samples per profile$/);
    assert.ok(Number(/has (\d+) distinct/.exec(many.body.error.message)![1]) > 50);
    const bad = await ingest(server, 't1', 'app{bad-name=x}', FIB);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /invalid label name: bad-name/);
  });

  it('stack depth: deeper stacks keep their leaf-most frames under [truncated], totals unchanged', async () => {
    const total = Number(oracleTotals(DEEP).find((t) => t.type === 'cpu')!.total);
    assert.equal((await ingest(server, 'deep', 'deep', DEEP)).status, 200);
    assert.equal(await settledTop(server, 'deep', 'deep', total), total);
    const q = encodeURIComponent(`${CPU}{service_name="deep"}`);
    const res = await fetch(`${server.url}/api/v1/flamegraph?query=${q}&from=1&until=now&maxNodes=100000`, { headers: { 'x-scope-orgid': 'deep' } });
    const graph = (await res.json()) as { total: number; root: Node };
    interface Node {
      name: string;
      total: number;
      children: Node[];
    }
    const depth = (n: Node): number => 1 + Math.max(0, ...n.children.map(depth));
    assert.equal(graph.total, total);
    assert.equal(depth(graph.root) - 1, 8, 'no stack deeper than the limit of 8 frames');
    assert.ok(graph.root.children.some((c) => c.name === '[truncated]'), 'truncated stacks hang under a [truncated] root frame');
  });

  it('active series: new series past the tenant limit are 429 series_limit; known ones still pass', async () => {
    assert.equal((await ingest(server, 'few', 's1', FIB)).status, 200);
    // Each /ingest of go-cpu-fib makes 2 series (cpu and samples profile types): the limit of 2 is reached.
    const a = await refused('few', 's2', FIB, 429, 'rate_limited', 'series_limit', /tenant "few" has 2 active series; 2 new would exceed the limit of 2/);
    assert.ok(Number(a.headers.get('retry-after')) >= 1);
    assert.equal((await ingest(server, 'few', 's1', FIB)).status, 200);
  });

  it('a noisy tenant at 10x its rate gets 429 + Retry-After; a quiet tenant is all 200 and all counted', async () => {
    const noisy: Promise<Answer>[] = [];
    const quiet: Promise<Answer>[] = [];
    // noisy: 5 profiles/s allowed, 50/s sent for 2 s; quiet: 20 profiles in the same 2 s.
    for (let i = 0; i < 100; i++) {
      noisy.push(ingest(server, 'noisy', 'loud', FIB));
      if (i % 5 === 0) quiet.push(ingest(server, 'quiet', 'calm', FIB));
      await new Promise((r) => setTimeout(r, 20));
    }
    const n = await Promise.all(noisy);
    const q = await Promise.all(quiet);
    assert.deepEqual([...new Set(q.map((a) => a.status))], [200]);
    const ok = n.filter((a) => a.status === 200).length;
    const limited = n.filter((a) => a.status === 429);
    assert.equal(ok + limited.length, n.length, 'every noisy answer is 200 or 429');
    assert.ok(limited.length >= 50, `most noisy requests are throttled (${limited.length} of 100)`);
    for (const a of limited) {
      assert.equal(a.body.error.code, 'rate_limited');
      assert.ok(Number(a.headers.get('retry-after')) >= 1);
    }
    assert.equal(await settledTop(server, 'quiet', 'calm', 20 * FIB_CPU), 20 * FIB_CPU);
    assert.equal(await settledTop(server, 'noisy', 'loud', ok * FIB_CPU), ok * FIB_CPU);
    const text = await scrape(server.url);
    assert.equal(metricValue(text, 'hotpath_discarded_profiles_total', { reason: 'rate_limited', tenant: 'noisy' }), limited.length);
    assert.equal(metricValue(text, 'hotpath_accepted_profiles_total', { tenant: 'quiet' }), 20);
    assert.equal(metricValue(text, 'hotpath_discarded_profiles_total', { tenant: 'quiet' }), 0);
  });

  it('a budget set through the API applies on the running gateway, samples when asked, and survives a restart', async () => {
    const put = (budget: object) =>
      fetch(`${server.url}/api/v1/services/metered`, { method: 'PUT', headers: { 'x-scope-orgid': 'budgeted', 'content-type': 'application/json' }, body: JSON.stringify({ budget }) });
    assert.equal((await ingest(server, 'budgeted', 'metered', FIB)).status, 200);
    assert.equal((await put({ profilesPerSecond: 1 })).status, 200);
    const burst = await Promise.all(Array.from({ length: 5 }, () => ingest(server, 'budgeted', 'metered', FIB)));
    const over = burst.filter((a) => a.status === 429);
    assert.ok(over.length >= 3, `over budget: ${burst.map((a) => a.status)}`);
    assert.equal(over[0]!.body.error.code, 'budget_exceeded');
    assert.match(over[0]!.body.error.message, /service "metered" of tenant "budgeted" is over its ingest budget \(1 profiles\/s\)/);
    assert.ok(Number(over[0]!.headers.get('retry-after')) >= 1);

    // Sampling: over budget, 1 in 3 kept and every answer 200.
    assert.equal((await put({ profilesPerSecond: 1, sampleOneIn: 3 })).status, 200);
    const sampledBefore = await metric(server.url, 'hotpath_discarded_profiles_total', { reason: 'sampled', tenant: 'budgeted' });
    const acceptedBefore = await metric(server.url, 'hotpath_accepted_profiles_total', { tenant: 'budgeted' });
    const sampled = await Promise.all(Array.from({ length: 9 }, () => ingest(server, 'budgeted', 'metered', FIB)));
    assert.deepEqual([...new Set(sampled.map((a) => a.status))], [200]);
    const dropped = (await metric(server.url, 'hotpath_discarded_profiles_total', { reason: 'sampled', tenant: 'budgeted' })) - sampledBefore;
    const kept = (await metric(server.url, 'hotpath_accepted_profiles_total', { tenant: 'budgeted' })) - acceptedBefore;
    assert.equal(dropped + kept, 9);
    assert.ok(dropped >= 4, `dropped by sampling: ${dropped}`);
    const accepted = 1 + (5 - over.length) + kept;
    assert.equal(await settledTop(server, 'budgeted', 'metered', accepted * FIB_CPU), accepted * FIB_CPU);

    // Back to refusing, then restart: the budget is read back from ClickHouse.
    assert.equal((await put({ profilesPerSecond: 1 })).status, 200);
    await server.stop();
    server = await startServer({ dataDir, env });
    const settings = (await (await fetch(`${server.url}/api/v1/services/metered`, { headers: { 'x-scope-orgid': 'budgeted' } })).json()) as { budget: object };
    assert.deepEqual(settings.budget, { profilesPerSecond: 1 });
    const afterRestart = await Promise.all(Array.from({ length: 4 }, () => ingest(server, 'budgeted', 'metered', FIB)));
    assert.ok(afterRestart.filter((a) => a.status === 429 && a.body.error.code === 'budget_exceeded').length >= 2, afterRestart.map((a) => a.status).join());
  });
});
