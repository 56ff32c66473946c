/**
 * Collectors work unchanged (issue 11): every ingest protocol against a real `hotpath start` process, totals read
 * back through /api/v1/top and compared exactly with what was sent (the independent pprof-format sums for pprof).
 * push.v1 and OTLP requests are built from the schemas' .proto types, as Alloy / OTel collectors build them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Profile } from 'pprof-format';
import { Reader } from 'protobufjs';
import { decodeOracle, oracleTotals, readProfileFile } from './helpers/pprof-oracle.ts';
import { pprofToOtlp } from './helpers/pprof-to-otlp.ts';
import { encodeOtlpRequest, encodePushRequest, pushRequestJson } from './helpers/push-messages.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const RANGE = 'from=now-1h&until=now%2B10m';

/** A real profile re-stamped to now, as a collector would send it this minute (gzip'd). */
function freshPprof(file: string): { bytes: Buffer; profile: Profile } {
  const p = decodeOracle(readProfileFile(file));
  p.timeNanos = BigInt(Date.now()) * 1_000_000n;
  return { bytes: gzipSync(p.encode()), profile: p };
}

function typeIds(p: Profile, name: string): string[] {
  const s = (i: number | bigint) => p.stringTable.strings[Number(i)] ?? '';
  const pt = p.periodType ? `${s(p.periodType.type)}:${s(p.periodType.unit)}` : ':';
  return p.sampleType.map((st) => `${name}:${s(st.type)}:${s(st.unit)}:${pt}`);
}

describe('ingest protocols end to end', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  async function top(typeId: string, service: string): Promise<{ total: number; rows: { function: string; self: number; total: number }[] }> {
    const q = encodeURIComponent(`${typeId}{service_name="${service}"}`);
    const res = await fetch(`${server.url}/api/v1/top?query=${q}&${RANGE}&limit=100`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { total: number | string; rows: { function: string; self: number; total: number }[] };
    return { total: Number(body.total), rows: body.rows };
  }

  async function push(body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await fetch(`${server.url}/push.v1.PusherService/Push`, { method: 'POST', body, headers });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  function alloyRequest(service: string, samples: { raw: Uint8Array; id?: string }[]) {
    return {
      series: [
        {
          labels: [
            { name: '__name__', value: 'process_cpu' },
            { name: 'otel.scope.name', value: 'com.grafana.alloy/pyroscope.ebpf' },
            { name: 'service_name', value: service },
          ],
          samples: samples.map((s) => ({ rawProfile: s.raw, ID: s.id ?? '' })),
        },
      ],
    };
  }

  it('folded /ingest: counts × period, known totals, functions', async () => {
    const from = Math.floor(Date.now() / 1000);
    const res = await fetch(`${server.url}/ingest?name=folded-app.cpu%7Benv%3Dprod%7D&sampleRate=100&from=${from}&until=${from + 10}`, {
      method: 'POST',
      body: 'main;work;foo 10\nmain;work;bar 5\nmain;work;foo 2\n',
    });
    assert.equal(res.status, 200, await res.text());
    const t = await top('process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'folded-app');
    assert.equal(t.total, 17 * 10_000_000);
    assert.deepEqual(
      t.rows.filter((r) => r.self > 0).map((r) => [r.function, r.self]),
      [
        ['foo', 120_000_000],
        ['bar', 50_000_000],
      ],
    );
  });

  it('multipart /ingest with sample_type_config: display names pick the profile name, totals exact', async () => {
    // A Go block profile's sample types are mutex's too (contentions, delay): only the config's display names
    // make it `block` (the defaults would say `mutex`). The config is Pyroscope's own test example.
    const { bytes, profile } = freshPprof('go-mutex-gen.pb.gz');
    const form = new FormData();
    form.append('profile', new Blob([bytes]), 'profile.pprof');
    const config = { contentions: { units: 'lock_samples', 'display-name': 'block_count' }, delay: { units: 'lock_nanoseconds', 'display-name': 'block_duration' } };
    form.append('sample_type_config', new Blob([JSON.stringify(config)]), 'sample_type_config.json');
    const res = await fetch(`${server.url}/ingest?name=multipart-app&spyName=gospy`, { method: 'POST', body: form });
    assert.equal(res.status, 200, await res.text());
    const oracle = oracleTotals(bytes);
    const ids = typeIds(profile, 'block');
    assert.ok(oracle.every((o) => o.total > 0n));
    for (let i = 0; i < ids.length; i++) assert.equal(BigInt((await top(ids[i], 'multipart-app')).total), oracle[i].total, ids[i]);
    assert.equal((await top(typeIds(profile, 'mutex')[0], 'multipart-app')).total, 0);
  });

  for (const codec of ['proto', 'json'] as const) {
    it(`push.v1 Push (${codec}): Alloy-shaped request, totals exact per sample type`, async () => {
      const service = `push-${codec}`;
      const a = freshPprof('go-cpu-fib.pb.gz');
      const b = freshPprof('go-cpu-parca-profile1.pb.gz');
      const msg = alloyRequest(service, [{ raw: a.bytes, id: randomUUID() }, { raw: b.bytes, id: randomUUID() }]);
      const res =
        codec === 'proto'
          ? await push(encodePushRequest(msg), { 'content-type': 'application/proto' })
          : await push(JSON.stringify(pushRequestJson(msg)), { 'content-type': 'application/json; charset=utf-8' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, codec === 'proto' ? '' : '{}');
      const oa = oracleTotals(a.bytes);
      const ob = oracleTotals(b.bytes);
      const ids = typeIds(a.profile, 'process_cpu');
      for (let i = 0; i < ids.length; i++) assert.equal(BigInt((await top(ids[i], service)).total), oa[i].total + ob[i].total, ids[i]);
    });
  }

  it('push.v1 Push with Content-Encoding: gzip on the whole request (pyroscope-rs) is accepted', async () => {
    const a = freshPprof('tiny-two-stacks.pb.gz');
    const raw = Buffer.from(a.profile.encode()); // pyroscope-rs sends the pprof itself uncompressed
    const res = await push(gzipSync(encodePushRequest(alloyRequest('push-gzip', [{ raw, id: randomUUID() }]))), {
      'content-type': 'application/proto',
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(BigInt((await top('process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'push-gzip')).total), oracleTotals(raw)[0].total);
  });

  it('the same Push twice (same sample IDs) and the same /ingest twice are counted once', async () => {
    const a = freshPprof('tiny-single-stack.pb.gz');
    const body = encodePushRequest(alloyRequest('dedupe-push', [{ raw: a.bytes, id: randomUUID() }]));
    for (let i = 0; i < 2; i++) assert.equal((await push(body, { 'content-type': 'application/proto' })).status, 200);
    assert.equal(BigInt((await top('process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'dedupe-push')).total), oracleTotals(a.bytes)[0].total);

    const from = Math.floor(Date.now() / 1000);
    const url = `${server.url}/ingest?name=dedupe-ingest.cpu&sampleRate=100&from=${from}&until=${from + 10}`;
    for (let i = 0; i < 2; i++) assert.equal((await fetch(url, { method: 'POST', body: 'a;b 3\n' })).status, 200);
    assert.equal((await top('process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'dedupe-ingest')).total, 30_000_000);
  });

  it('a Push whose second sample is broken stores nothing and says which sample', async () => {
    const a = freshPprof('tiny-two-stacks.pb.gz');
    const msg = alloyRequest('half-push', [{ raw: a.bytes }, { raw: readProfileFile('bad-bitflipped.pb') }]);
    const res = await push(encodePushRequest(msg), { 'content-type': 'application/proto' });
    assert.equal(res.status, 400);
    const err = JSON.parse(res.text);
    assert.equal(err.code, 'invalid_argument');
    assert.match(err.message, /^series 0 sample 1: /);
    assert.equal((await top('process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'half-push')).total, 0);
  });

  it('malformed input gets each protocol\'s documented error shape', async () => {
    // /ingest: api.md body.
    const bad = await fetch(`${server.url}/ingest?name=bad.cpu`, { method: 'POST', body: 'a;b x\n' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), {
      error: { code: 'invalid_profile', message: 'folded line 1: count "x" is not a non-negative integer (expected "frame;frame;frame <count>")' },
    });
    const suffix = await fetch(`${server.url}/ingest?name=my.app`, { method: 'POST', body: 'a 1\n' });
    assert.equal(suffix.status, 400);
    assert.match(((await suffix.json()) as { error: { message: string } }).error.message, /^name: unknown profile type "app"/);

    // Push: Connect error JSON with the code's status.
    const garbage = await push(Buffer.from('definitely not protobuf'), { 'content-type': 'application/proto' });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(JSON.parse(garbage.text).code, 'invalid_argument');
    const empty = await push('', { 'content-type': 'application/json' });
    assert.equal(empty.status, 400);
    assert.deepEqual(JSON.parse(empty.text), { code: 'invalid_argument', message: 'zero-length payload is not a valid JSON object' });
    const none = await push(new Uint8Array(0), { 'content-type': 'application/proto' });
    assert.deepEqual([none.status, JSON.parse(none.text)], [400, { code: 'invalid_argument', message: 'no profiles received' }]);
    const noName = await push(encodePushRequest({ series: [{ labels: [{ name: 'service_name', value: 's' }], samples: [{ rawProfile: freshPprof('tiny-two-stacks.pb.gz').bytes, ID: '' }] }] }), {
      'content-type': 'application/proto',
    });
    assert.deepEqual([noName.status, JSON.parse(noName.text)], [400, { code: 'invalid_argument', message: `series 0: invalid labels '{service_name="s"}' with error: invalid metric name` }]);
    const text = await push('x', { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.equal(JSON.parse(text.text).code, 'unknown');
    const badGzip = await push(Buffer.from('not gzip'), { 'content-type': 'application/proto', 'content-encoding': 'gzip' });
    assert.equal(badGzip.status, 400);
    assert.match(JSON.parse(badGzip.text).message, /^request body is not valid gzip: /);

    // OTLP/HTTP: google.rpc.Status in the request's encoding.
    const otlp = await fetch(`${server.url}/v1development/profiles`, { method: 'POST', body: Buffer.from([0xff, 0xff, 0xff]), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(otlp.status, 400);
    const r = Reader.create(new Uint8Array(await otlp.arrayBuffer()));
    assert.equal(r.uint32(), 8);
    assert.equal(r.int32(), 3); // INVALID_ARGUMENT
    assert.equal(r.uint32(), 18);
    assert.match(r.string(), /^cannot decode opentelemetry\.proto\.collector\.profiles\.v1development\.ExportProfilesServiceRequest \(3 bytes\): /);
    const otlpJson = await fetch(`${server.url}/v1development/profiles`, { method: 'POST', body: '{"resourceProfiles":[]}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual([otlpJson.status, await otlpJson.json()], [400, { code: 3, message: 'missing profile metadata dictionary' }]);
  });

  it('OTLP profiles from real test profiles: totals equal, over OTLP/HTTP and the Connect Export path', async () => {
    for (const [path, service, contentType] of [
      ['/v1development/profiles', 'otlp-http', 'application/x-protobuf'],
      ['/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', 'otlp-export', 'application/proto'],
    ] as const) {
      const bytes = readProfileFile('node-heap.pb.gz');
      const req = pprofToOtlp(bytes, { serviceName: service, timeUnixNano: BigInt(Date.now()) * 1_000_000n });
      const res = await fetch(`${server.url}${path}`, { method: 'POST', body: encodeOtlpRequest(req), headers: { 'content-type': contentType } });
      assert.equal(res.status, 200, await res.text());
      const oracle = oracleTotals(bytes);
      const ids = typeIds(decodeOracle(bytes), 'memory');
      for (let i = 0; i < ids.length; i++) assert.equal(BigInt((await top(ids[i], service)).total), oracle[i].total, `${path} ${ids[i]}`);
    }
  });

  it('a Push retried after a restart (gateway memory gone) is still counted once, by the aggregator ingest_ids', async () => {
    const a = freshPprof('tiny-two-stacks.pb.gz');
    const body = encodePushRequest(alloyRequest('dedupe-restart', [{ raw: a.bytes, id: randomUUID() }]));
    assert.equal((await push(body, { 'content-type': 'application/proto' })).status, 200);
    const dataDir = server.dataDir;
    await server.stop();
    server = await startServer({ dataDir });
    assert.equal((await push(body, { 'content-type': 'application/proto' })).status, 200);
    const other = encodePushRequest(alloyRequest('dedupe-restart', [{ raw: a.bytes, id: randomUUID() }]));
    assert.equal((await push(other, { 'content-type': 'application/proto' })).status, 200);
    // Once for the retried push, once for the push with a new sample ID.
    assert.equal(BigInt((await top('process_cpu:cpu:nanoseconds:cpu:nanoseconds', 'dedupe-restart')).total), 2n * oracleTotals(a.bytes)[0].total);
  });
});
