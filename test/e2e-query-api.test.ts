/**
 * The query API end to end on a real `hotpath start`: profiles with known stacks posted over /ingest, then diff,
 * timeseries, series, pprof export and Pyroscope's legacy render API checked against /api/v1/top and
 * /api/v1/flamegraph (render levels decoded by test/helpers/flamegraph-levels.ts, written from compat.md), and bad
 * input refused with the documented codes.
 */
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Function as PFunction, Line, Location, Profile, Sample, ValueType } from 'pprof-format';
import { canonical, decodeLevels, type DecodedNode } from './helpers/flamegraph-levels.ts';
import { clientType } from './helpers/querier-proto.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const TYPE = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const SERVICE = 'q7svc';
const NOW_S = Math.floor(Date.now() / 1000);
/** Baseline: one profile two hours ago. Comparison: two profiles (zones a and b) half an hour ago. */
const T1 = NOW_S - 7200;
const T2 = NOW_S - 1800;

const BASE: [string, number][] = [
  ['main;parse', 100],
  ['main;render', 300],
  ['main;render;encode', 200],
  ['gc', 400],
];
/** The injected change: parse doubled. */
const CHANGED: [string, number][] = BASE.map(([s, v]) => [s, s === 'main;parse' ? v * 2 : v]);

/** A CPU pprof with exactly these stacks (root first, `;`-separated), built with pprof-format. */
function cpuPprof(stacks: [string, number][], timeS: number): Buffer {
  const p = new Profile();
  const str = (s: string) => p.stringTable.dedup(s);
  p.sampleType = [new ValueType({ type: str('cpu'), unit: str('nanoseconds') })];
  p.periodType = new ValueType({ type: str('cpu'), unit: str('nanoseconds') });
  p.period = 10_000_000;
  p.timeNanos = BigInt(timeS) * 1_000_000_000n;
  p.durationNanos = 10_000_000_000n;
  const ids = new Map<string, number>();
  const loc = (name: string) => {
    if (!ids.has(name)) {
      const id = ids.size + 1;
      ids.set(name, id);
      p.function.push(new PFunction({ id, name: str(name), systemName: str(name), filename: str('x.go') }));
      p.location.push(new Location({ id, line: [new Line({ functionId: id, line: 1 })] }));
    }
    return ids.get(name)!;
  };
  for (const [stack, value] of stacks) p.sample.push(new Sample({ locationId: stack.split(';').reverse().map(loc), value: [value] }));
  return gzipSync(p.encode());
}

async function ingest(server: TestServer, labels: string, stacks: [string, number][], timeS: number): Promise<void> {
  const res = await fetch(`${server.url}/ingest?name=${encodeURIComponent(`${SERVICE}{${labels}}`)}&format=pprof&from=${timeS}&until=${timeS + 10}`, {
    method: 'POST',
    body: cpuPprof(stacks, timeS),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(res.status, 200, await res.text());
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

const q = (sel = `service_name="${SERVICE}"`) => encodeURIComponent(`${TYPE}{${sel}}`);
const ALL = `from=${T1 - 600}&until=${NOW_S + 60}`;
const BASE_WINDOW = `${T1 - 60}&baselineUntil=${T1 + 60}`;
const COMP_WINDOW = `${T2 - 60}&comparisonUntil=${T2 + 900}`;

interface TreeJson {
  name: string;
  self: number;
  total: number;
  children: TreeJson[];
}

function fromNative(n: TreeJson): DecodedNode {
  return { name: n.name, sides: [{ total: n.total, self: n.self }], children: n.children.map(fromNative) };
}

/** Waits until the aggregator has written everything posted (expected total over ALL). */
async function waitForTotal(server: TestServer, total: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { body } = await getJson(`${server.url}/api/v1/top?query=${q()}&${ALL}`);
    if (body.total === total) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`total never reached ${total}`);
}


/** A Connect unary call as Grafana's backend (binary) or Pyroscope's UI (JSON) makes it. */
async function connect(server: TestServer, method: string, body: Record<string, unknown>, codec: 'proto' | 'json', reqType: string, resType: string): Promise<{ status: number; body: any }> {
  const T = clientType(reqType);
  const res = await fetch(`${server.url}/querier.v1.QuerierService/${method}`, {
    method: 'POST',
    headers: { 'content-type': `application/${codec}`, 'connect-protocol-version': '1' },
    body: codec === 'proto' ? T.encode(T.fromObject(body)).finish() : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || codec === 'json') return { status: res.status, body: JSON.parse(bytes.toString('utf8')) };
  const R = clientType(resType);
  return { status: res.status, body: R.toObject(R.decode(bytes), { longs: Number, defaults: true }) };
}

const SMS = ['querier.v1.SelectMergeStacktracesRequest', 'querier.v1.SelectMergeStacktracesResponse'] as const;

describe('query API end to end', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({
      // The baseline lies two hours back: widen the ingestion window (default 1 h) to cover it.
      env: { HOTPATH_LIMIT_REJECT_OLDER_THAN_SECONDS: String(3 * 3600), HOTPATH_TENANT_QUERY_LIMITS: JSON.stringify({ anonymous: { maxQueryRangeSeconds: 10 * 86400, maxQueryNodes: 100_000 } }) },
    });
    await ingest(server, 'zone=a', BASE, T1);
    await ingest(server, 'zone=a', CHANGED, T2);
    await ingest(server, 'zone=b', CHANGED, T2 + 20);
    await waitForTotal(server, 1000 + 1100 + 1100);
  });
  after(async () => {
    await server?.stop();
  });

  it('diff: the doubled function is the first row with the exact share delta; windows of different length compare by share', async () => {
    const { status, body } = await getJson(`${server.url}/api/v1/diff?baseline=${q()}&comparison=${q()}&baselineFrom=${BASE_WINDOW}&comparisonFrom=${COMP_WINDOW}&limit=100`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.unit, 'nanoseconds');
    assert.deepEqual([body.baseline.total, body.comparison.total], [1000, 2200]);
    assert.equal(body.rows[0].function, 'parse');
    assert.deepEqual(body.rows[0].baseline, { self: 100, total: 100 });
    assert.deepEqual(body.rows[0].comparison, { self: 400, total: 400 });
    assert.deepEqual(body.rows[0].selfShare, { baseline: 0.1, comparison: 400 / 2200, delta: 400 / 2200 - 0.1 });
    assert.deepEqual(body.rows.map((r: any) => r.function), ['parse', 'main', 'encode', 'render', 'gc']);
    const root = body.flamegraph;
    assert.deepEqual([root.name, root.baseline.total, root.comparison.total], ['total', 1000, 2200]);
    const main = root.children.find((c: any) => c.name === 'main');
    assert.deepEqual([main.baseline.total, main.comparison.total], [600, 1400]);
  });

  it('diff: equal inputs give every row a delta of exactly 0', async () => {
    const { status, body } = await getJson(`${server.url}/api/v1/diff?baseline=${q()}&comparison=${q()}&baselineFrom=${BASE_WINDOW}&comparisonFrom=${BASE_WINDOW.replace('baselineUntil', 'comparisonUntil')}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.rows.length, 5);
    for (const r of body.rows) assert.deepEqual([r.function, r.selfShare.delta, r.totalShare.delta], [r.function, 0, 0]);
  });

  it('timeseries: sums equal the /top total; groupBy splits it exactly', async () => {
    const top = await getJson(`${server.url}/api/v1/top?query=${q()}&${ALL}`);
    const whole = await getJson(`${server.url}/api/v1/timeseries?query=${q()}&${ALL}&step=60`);
    assert.equal(whole.status, 200, JSON.stringify(whole.body));
    assert.equal(whole.body.step, 60);
    assert.equal(whole.body.series.length, 1);
    assert.deepEqual(whole.body.series[0].labels, {});
    const sum = (points: [number, number][]) => points.reduce((s, p) => s + p[1], 0);
    assert.equal(sum(whole.body.series[0].points), top.body.total);
    for (const [t] of whole.body.series[0].points) assert.equal(t % 60_000, 0);

    const split = await getJson(`${server.url}/api/v1/timeseries?query=${q()}&${ALL}&step=60&groupBy=zone`);
    assert.equal(split.status, 200, JSON.stringify(split.body));
    assert.deepEqual(
      split.body.series.map((s: any) => [s.labels, sum(s.points)]),
      [
        [{ zone: 'a' }, 2100],
        [{ zone: 'b' }, 1100],
      ],
    );
  });

  it('series: lists each label set the selector matches', async () => {
    const { status, body } = await getJson(`${server.url}/api/v1/series?query=${q()}&${ALL}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      body.series.map((s: any) => [s.profileType, s.labels.service_name, s.labels.zone]),
      [
        [TYPE, SERVICE, 'a'],
        [TYPE, SERVICE, 'b'],
      ],
    );
  });

  it('pprof export: decodes with pprof-format; per-function self totals equal /top', async () => {
    const res = await fetch(`${server.url}/api/v1/export/pprof?query=${q()}&${ALL}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const p = Profile.decode(gunzipSync(Buffer.from(await res.arrayBuffer())));
    const s = (i: number | bigint) => p.stringTable.strings[Number(i)]!;
    assert.deepEqual(p.sampleType.map((t) => `${s(t.type)}:${s(t.unit)}`), ['cpu:nanoseconds']);
    const fn = new Map(p.function.map((f) => [Number(f.id), s(f.name)]));
    const locFn = new Map(p.location.map((l) => [Number(l.id), fn.get(Number(l.line[0]!.functionId))!]));
    const self: Record<string, number> = {};
    for (const smp of p.sample) {
      const leaf = locFn.get(Number(smp.locationId[0]))!;
      self[leaf] = (self[leaf] ?? 0) + Number(smp.value[0]);
    }
    const top = await getJson(`${server.url}/api/v1/top?query=${q()}&${ALL}&limit=100`);
    const expected = Object.fromEntries(top.body.rows.filter((r: any) => r.self !== 0).map((r: any) => [r.function, r.self]));
    assert.deepEqual(self, expected);
    assert.equal(Object.values(self).reduce((a, b) => a + b, 0), top.body.total);
  });

  it('render: the flamebearer levels describe the /api/v1/flamegraph tree; timeline sums to the total', async () => {
    for (const maxNodes of [8192, 4]) {
      const native = await getJson(`${server.url}/api/v1/flamegraph?query=${q()}&${ALL}&maxNodes=${maxNodes}`);
      const render = await getJson(`${server.url}/pyroscope/render?query=${q()}&${ALL}&maxNodes=${maxNodes}&format=json`);
      assert.equal(render.status, 200, JSON.stringify(render.body));
      const fb = render.body.flamebearer;
      assert.equal(fb.numTicks, native.body.total);
      assert.deepEqual(canonical(decodeLevels(fb.names, fb.levels, 1)), canonical(fromNative(native.body.root)), `maxNodes ${maxNodes}`);
      assert.deepEqual(render.body.metadata, { format: 'single', spyName: '', sampleRate: 1_000_000_000, units: 'samples', name: 'cpu' });
      const tl = render.body.timeline;
      assert.equal(tl.samples.reduce((a: number, b: number) => a + b, 0), native.body.total);
      assert.equal(tl.startTime % tl.durationDelta, 0);
      assert.equal(render.body.version, 1);
    }
  });

  it('render: the compat.md worked example comes back with its exact names and levels', async () => {
    const t = T1 - 300;
    await ingest(server, 'zone=worked', [['a;b', 3], ['c;b', 1]], t);
    const sel = q(`service_name="${SERVICE}", zone="worked"`);
    let body: any;
    for (let i = 0; i < 100; i++) {
      ({ body } = await getJson(`${server.url}/pyroscope/render?query=${sel}&from=${t - 60}&until=${t + 60}`));
      if (body.flamebearer?.numTicks === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(body.flamebearer.names, ['total', 'c', 'b', 'a']);
    assert.deepEqual(body.flamebearer.levels, [[0, 4, 0, 0], [0, 3, 0, 3, 0, 1, 0, 1], [0, 3, 3, 2, 0, 1, 1, 2]]);
    assert.equal(body.flamebearer.maxSelf, 3);
  });

  it('render-diff: the 7-number levels describe the /api/v1/diff tree', async () => {
    const diff = await getJson(`${server.url}/api/v1/diff?baseline=${q()}&comparison=${q()}&baselineFrom=${BASE_WINDOW}&comparisonFrom=${COMP_WINDOW}`);
    const rd = await getJson(
      `${server.url}/pyroscope/render-diff?leftQuery=${q()}&leftFrom=${T1 - 60}&leftUntil=${T1 + 60}&rightQuery=${q()}&rightFrom=${T2 - 60}&rightUntil=${T2 + 900}`,
    );
    assert.equal(rd.status, 200, JSON.stringify(rd.body));
    assert.deepEqual([rd.body.leftTicks, rd.body.rightTicks, rd.body.flamebearer.numTicks], [1000, 2200, 3200]);
    assert.equal(rd.body.metadata.format, 'double');
    const toDecoded = (n: any): DecodedNode => ({
      name: n.name,
      sides: [
        { total: n.baseline.total, self: n.baseline.self },
        { total: n.comparison.total, self: n.comparison.self },
      ],
      children: n.children.map(toDecoded),
    });
    assert.deepEqual(canonical(decodeLevels(rd.body.flamebearer.names, rd.body.flamebearer.levels, 2)), canonical(toDecoded(diff.body.flamegraph)));
  });

  it('legacy label APIs list names, values and profile types', async () => {
    const names = await getJson(`${server.url}/pyroscope/label-names?${ALL}`);
    assert.equal(names.status, 200);
    assert.ok(names.body.includes('zone') && names.body.includes('service_name'), JSON.stringify(names.body));
    const zones = await getJson(`${server.url}/pyroscope/label-values?label=zone&query=${q()}&${ALL}`);
    assert.deepEqual(zones.body, ['a', 'b', 'worked']);
    const types = await getJson(`${server.url}/pyroscope/label-values?label=__name__&${ALL}`);
    assert.deepEqual(types.body, [TYPE]);
    const missing = await getJson(`${server.url}/pyroscope/label-values?${ALL}`);
    assert.deepEqual([missing.status, missing.body.error.code, missing.body.error.message], [400, 'bad_request', 'label parameter is required']);
  });

  it('Connect SelectMergeStacktraces (proto and JSON): the levels describe the /api/v1/flamegraph tree', async () => {
    const native = await getJson(`${server.url}/api/v1/flamegraph?query=${q()}&${ALL}&maxNodes=5`);
    const start = (T1 - 600) * 1000;
    const end = (NOW_S + 60) * 1000;
    const proto = await connect(server, 'SelectMergeStacktraces', { profile_typeID: TYPE, label_selector: `{service_name="${SERVICE}"}`, start, end, max_nodes: 5 }, 'proto', ...SMS);
    assert.equal(proto.status, 200, JSON.stringify(proto.body));
    const fg = proto.body.flamegraph;
    assert.equal(fg.total, native.body.total);
    assert.deepEqual(canonical(decodeLevels(fg.names, fg.levels.map((l: any) => l.values), 1)), canonical(fromNative(native.body.root)));
    const json = await connect(server, 'SelectMergeStacktraces', { profileTypeID: TYPE, labelSelector: `{service_name="${SERVICE}"}`, start: String(start), end: String(end), maxNodes: '5' }, 'json', ...SMS);
    assert.equal(json.status, 200, JSON.stringify(json.body));
    const jfg = json.body.flamegraph;
    assert.equal(jfg.total, String(native.body.total));
    assert.deepEqual(jfg.levels.map((l: any) => l.values.map(Number)), fg.levels.map((l: any) => l.values));
    assert.deepEqual(jfg.names, fg.names);
  });

  it('Connect SelectSeries, Series, LabelNames, LabelValues, ProfileTypes and Diff answer from the same data', async () => {
    const start = (T1 - 600) * 1000;
    const end = (NOW_S + 60) * 1000;
    const series = await connect(server, 'SelectSeries', { profile_typeID: TYPE, label_selector: `{service_name="${SERVICE}"}`, start, end, step: 60, group_by: ['zone'] }, 'proto', 'querier.v1.SelectSeriesRequest', 'querier.v1.SelectSeriesResponse');
    assert.equal(series.status, 200, JSON.stringify(series.body));
    assert.deepEqual(
      series.body.series.map((s: any) => [s.labels.map((l: any) => `${l.name}=${l.value}`).join(','), s.points.reduce((a: number, p: any) => a + p.value, 0)]),
      [['zone=a', 2100], ['zone=b', 1100], ['zone=worked', 4]],
    );
    const ls = await connect(server, 'Series', { matchers: [`{__profile_type__="${TYPE}", service_name="${SERVICE}"}`], label_names: ['service_name', '__profile_type__'], start, end }, 'proto', 'querier.v1.SeriesRequest', 'querier.v1.SeriesResponse');
    assert.deepEqual(ls.body.labels_set.map((s: any) => s.labels.map((l: any) => `${l.name}=${l.value}`)), [[`__profile_type__=${TYPE}`, `service_name=${SERVICE}`]]);
    const names = await connect(server, 'LabelNames', { matchers: [`{service_name="${SERVICE}"}`], start, end }, 'json', 'types.v1.LabelNamesRequest', 'types.v1.LabelNamesResponse');
    assert.ok(names.body.names.includes('zone') && names.body.names.includes('__profile_type__'), JSON.stringify(names.body));
    const values = await connect(server, 'LabelValues', { name: 'zone', matchers: [`{service_name="${SERVICE}"}`], start, end }, 'proto', 'types.v1.LabelValuesRequest', 'types.v1.LabelValuesResponse');
    assert.deepEqual(values.body.names, ['a', 'b', 'worked']);
    const types = await connect(server, 'ProfileTypes', { start, end }, 'proto', 'querier.v1.ProfileTypesRequest', 'querier.v1.ProfileTypesResponse');
    assert.deepEqual(types.body.profile_types, [{ ID: TYPE, name: 'process_cpu', sample_type: 'cpu', sample_unit: 'nanoseconds', period_type: 'cpu', period_unit: 'nanoseconds' }]);
    const side = (from: number, until: number) => ({ profile_typeID: TYPE, label_selector: `{service_name="${SERVICE}"}`, start: from * 1000, end: until * 1000 });
    const diff = await connect(server, 'Diff', { left: side(T1 - 60, T1 + 60), right: side(T2 - 60, T2 + 900) }, 'proto', 'querier.v1.DiffRequest', 'querier.v1.DiffResponse');
    assert.equal(diff.status, 200, JSON.stringify(diff.body));
    assert.deepEqual([diff.body.flamegraph.leftTicks, diff.body.flamegraph.rightTicks, diff.body.flamegraph.total], [1000, 2200, 3200]);
    const tree = canonical(decodeLevels(diff.body.flamegraph.names, diff.body.flamegraph.levels.map((l: any) => l.values), 2));
    assert.deepEqual(tree.children.find((c) => c.name === 'main')!.sides.map((s) => s.total), [600, 1400]);
  });

  it('Connect SelectMergeProfile returns a pprof whose totals equal /top', async () => {
    const T = clientType('querier.v1.SelectMergeProfileRequest');
    const res = await fetch(`${server.url}/querier.v1.QuerierService/SelectMergeProfile`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: T.encode(T.fromObject({ profile_typeID: TYPE, label_selector: `{service_name="${SERVICE}"}`, start: (T1 - 600) * 1000, end: (NOW_S + 60) * 1000 })).finish(),
    });
    assert.equal(res.status, 200);
    const p = Profile.decode(Buffer.from(await res.arrayBuffer()));
    const top = await getJson(`${server.url}/api/v1/top?query=${q()}&${ALL}`);
    assert.equal(p.sample.reduce((a, smp) => a + Number(smp.value[0]), 0), top.body.total);
  });

  it('Connect errors: Connect shape and codes for bad selectors, unknown profile types, reversed ranges, wrong method and content type', async () => {
    const base = { profile_typeID: TYPE, label_selector: '{}', start: 1000, end: 2000 };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, label_selector: '{service_name=}' }, 'invalid_argument', /invalid selector .*expected a quoted string/],
      [{ ...base, label_selector: '' }, 'invalid_argument', /empty selector/],
      [{ ...base, profile_typeID: 'process_cpu:cpu' }, 'invalid_argument', /invalid profile type id "process_cpu:cpu": has 2 parts, want 5/],
      [{ ...base, start: 3000 }, 'invalid_argument', /query start time is after end time/],
      [{ ...base, start: 0, end: 0 }, 'invalid_argument', /missing time range/],
      [{ ...base, max_nodes: 200_000 }, 'invalid_argument', /max_nodes 200000 exceeds the limit of 100000/],
    ];
    for (const codec of ['proto', 'json'] as const) {
      for (const [body, code, message] of cases) {
        const jsonBody = codec === 'json' ? clientType(SMS[0]).toObject(clientType(SMS[0]).fromObject(body), { longs: String }) : body;
        const r = await connect(server, 'SelectMergeStacktraces', jsonBody, codec, ...SMS);
        assert.equal(r.status, 400, `${codec} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
        assert.deepEqual(Object.keys(r.body).sort(), ['code', 'message']);
        assert.equal(r.body.code, code);
        assert.match(r.body.message, message);
      }
    }
    const get = await fetch(`${server.url}/querier.v1.QuerierService/ProfileTypes`);
    assert.equal(get.status, 405);
    const text = await fetch(`${server.url}/querier.v1.QuerierService/ProfileTypes`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(text.status, 415);
    const empty = await fetch(`${server.url}/querier.v1.QuerierService/ProfileTypes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    assert.deepEqual([empty.status, await empty.json()], [400, { code: 'invalid_argument', message: 'zero-length payload is not a valid JSON object' }]);
    const gz = await fetch(`${server.url}/querier.v1.QuerierService/LabelValues`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ name: '', start: '1', end: '2' })),
    });
    assert.deepEqual([gz.status, await gz.json()], [400, { code: 'invalid_argument', message: 'name is required: the label whose values to list' }]);
  });

  it('refuses bad selectors, unknown profile types, reversed ranges and limits with the documented codes', async () => {
    const cases: [string, string, RegExp][] = [
      [`/api/v1/diff?baseline=${encodeURIComponent(`${TYPE}{service_name=}`)}`, 'invalid_selector', /invalid query .*expected a quoted string/],
      [`/api/v1/timeseries?query=${encodeURIComponent('process_cpu:cpu{}')}`, 'invalid_selector', /invalid profile type id "process_cpu:cpu": has 2 parts, want 5/],
      [`/api/v1/series?query=${q()}&from=${NOW_S}&until=${NOW_S - 60}`, 'invalid_time_range', /must be before until/],
      [`/api/v1/export/pprof?query=${q()}&from=${T2}&until=${T1}`, 'invalid_time_range', /must be before until/],
      [`/pyroscope/render?query=${encodeURIComponent(`${TYPE}{zone=~"("}`)}`, 'invalid_selector', /invalid regex/],
      [`/pyroscope/render?query=${q()}&from=${T2}&until=${T1}`, 'invalid_time_range', /must be before until/],
      [`/pyroscope/render`, 'invalid_selector', /query is required/],
      [`/pyroscope/render-diff?leftQuery=${q()}&rightQuery=${encodeURIComponent('memory:alloc_space:bytes:space:bytes{}')}`, 'invalid_selector', /profile types must match/],
      [`/api/v1/timeseries?query=${q()}&from=now-30d&until=now`, 'invalid_time_range', /the query range 30d exceeds the limit of 10d \(maxQueryRangeSeconds\)/],
      [`/api/v1/diff?baseline=${q()}&maxNodes=200000`, 'bad_request', /maxNodes 200000 exceeds the limit of 100000 \(maxQueryNodes\)/],
      [`/pyroscope/render?query=${q()}&maxNodes=200000`, 'bad_request', /maxNodes 200000 exceeds the limit of 100000/],
    ];
    for (const [path, code, message] of cases) {
      const { status, body } = await getJson(server.url + path);
      assert.equal(status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, code, path);
      assert.match(body.error.message, message, path);
    }
  });
});
