/**
 * The operator loop end to end (issue 10), against one real `hotpath start` child process with the default
 * ingestion window: every profile is restamped (real pprof) or sent with `from` (folded) within the last few
 * minutes, and every query names an absolute window around those times.
 *
 * - Scenario: `checkout` gets tier, owner, cost and budget; version v1 = a real Go CPU profile; version v2 = the
 *   same profile plus extra copies of one real stack whose leaf is crypto/sha256.block (about doubling that
 *   function's self share). The report ranks it first among regressions with the cost arithmetic recomputed here
 *   from the independent pprof-format totals; the `hotpath guard` CLI exits 1 naming it, 0 on equal inputs, 2 on
 *   an unreachable or malformed URL; `hotpath diff --format markdown` shows the numbers of the JSON diff.
 * - A small synthetic fleet (folded profiles: two pods, one missing its zone label, frames partly unsymbolized):
 *   every KPI figure against hand-computed values; its failing gates freeze the stage and lower sampling.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { oracleTotals, readProfileFile } from './helpers/pprof-oracle.ts';
import { restampPprof } from './helpers/restamp.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const FILE = 'go-cpu-gen-labels.pb.gz';
const X = 'crypto/sha256.block';
const COST = 0.05;
const HOURS = 730;

const nowS = Math.floor(Date.now() / 1000 / 10) * 10;
const T1 = nowS - 60; // v1 bucket (recent: the guardrail metrics read the last 5 minutes)
const T2 = T1 + 10; // v2 bucket
const F = T1 - 600; // report window: [F, U)
const U = T1 + 600;
const W = U - F;

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

async function ingest(server: TestServer, query: string, body: Uint8Array | string): Promise<void> {
  const res = await fetch(`${server.url}/ingest?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(res.status, 200, `ingest ${query}: ${await res.text()}`);
}

async function waitForTotal(server: TestServer, query: string, from: number, until: number, total: bigint): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    const { body } = await json(`${server.url}/api/v1/top?query=${encodeURIComponent(query)}&from=${from}&until=${until}&limit=1`);
    last = String(body.total);
    if (BigInt(body.total) === total) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${query}: total ${last}, expected ${total}`);
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'bin/hotpath.ts', ...args], { cwd: ROOT, env: { ...process.env, HOTPATH_URL: '', HOTPATH_API_KEY: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port nothing listens on: one the OS just handed out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const pp = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} pp`;

describe('operator loop', () => {
  let server: TestServer;
  // Independent figures of the real profile (pprof-format): CPU total, X's self, and the leaves by self.
  const oracle = oracleTotals(readProfileFile(FILE)).find((t) => t.type === 'cpu' && t.unit === 'nanoseconds')!;
  const T = oracle.total;
  const s = oracle.leafSelf.get(X)!;
  // Extra copies of X's stack (folded, sampleRate=100 → 1e7 ns each) so that X's share about doubles.
  const copies = Math.round((Number(s) * Number(T)) / (Number(T) - 2 * Number(s)) / 1e7);
  const k = BigInt(copies) * 10_000_000n;
  const v1 = `${CPU}{service_name="checkout",version="v1"}`;
  const v2 = `${CPU}{service_name="checkout",version="v2"}`;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('stores settings and both versions of checkout', async () => {
    const put = await json(`${server.url}/api/v1/services/checkout`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tier: 'critical', owner: 'team-payments', costPerCoreHour: COST, budget: { profilesPerSecond: 50 } }),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const real = readProfileFile(FILE);
    await ingest(server, `name=checkout{version=v1,pod=pod-a,zone=eu-1,build_id=b1}&from=${T1}&until=${T1 + 10}&format=pprof`, restampPprof(real, T1 * 1000));
    await waitForTotal(server, v1, F, U, T);
    // X's heaviest whole stack, as Hotpath names its frames (hot paths of an unrecorded report of v1 alone).
    const { body: r1 } = await json(`${server.url}/api/v1/report/checkout?from=${F}&until=${U}&baselineVersion=v1&limit=1000`);
    const stack = r1.hotPaths.find((h: { frames: string[] }) => h.frames[h.frames.length - 1] === X);
    assert.ok(stack, `a hot path ending in ${X}`);
    await ingest(server, `name=checkout{version=v2,pod=pod-b,zone=eu-1,build_id=b2}&from=${T2}&until=${T2 + 10}&format=pprof`, restampPprof(real, T2 * 1000));
    await ingest(server, `name=checkout.cpu{version=v2,pod=pod-b,zone=eu-1,build_id=b2}&from=${T2}&until=${T2 + 10}&format=folded&sampleRate=100`, `${stack.frames.join(';')} ${copies}\n`);
    await waitForTotal(server, v2, F, U, T + k);
  });

  it('the report ranks the doubled function first among regressions, with exact cost arithmetic', async () => {
    // Named candidates of v1 (top 3 by self), recorded for the yield KPI below.
    const rec = await json(`${server.url}/api/v1/report/checkout?from=${F}&until=${U}&version=v1&limit=3`);
    assert.equal(rec.status, 200);
    const { status, body } = await json(`${server.url}/api/v1/report/checkout?from=${F}&until=${U}&version=v2&baselineVersion=v1&limit=5`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.owner, 'team-payments');
    assert.equal(body.tier, 'critical');
    assert.equal(body.window.seconds, W);
    assert.equal(BigInt(body.total), T + k);
    assert.equal(BigInt(body.trend.baseline.total), T);
    const totalCores = Number(T + k) / (W * 1e9);
    assert.equal(body.cost.cores, totalCores);
    assert.equal(body.cost.monthlyCost, totalCores * COST * HOURS);
    assert.match(body.cost.assumption, /halving its self time saves half/);

    const reg = body.trend.regressions[0];
    const baselineShare = Number(s) / Number(T);
    const comparisonShare = Number(s + k) / Number(T + k);
    const delta = comparisonShare - baselineShare;
    assert.deepEqual(
      { function: reg.function, baselineSelf: BigInt(reg.baselineSelf), comparisonSelf: BigInt(reg.comparisonSelf), baselineShare: reg.baselineShare, comparisonShare: reg.comparisonShare, delta: reg.delta },
      { function: X, baselineSelf: s, comparisonSelf: s + k, baselineShare, comparisonShare, delta },
    );
    assert.ok(comparisonShare / baselineShare > 1.9 && comparisonShare / baselineShare < 2.1, `share ratio ${comparisonShare / baselineShare}`);
    assert.equal(reg.addedCores, delta * totalCores);
    assert.equal(reg.addedMonthlyCost, delta * totalCores * COST * HOURS);

    const cand = body.fixCandidates[0];
    const xCores = Number(s + k) / (W * 1e9);
    assert.deepEqual(
      { function: cand.function, self: BigInt(cand.self), selfShare: cand.selfShare, cores: cand.cores, monthlyCost: cand.monthlyCost, savingsIfHalved: cand.savingsIfHalved, savingsIfRemoved: cand.savingsIfRemoved },
      { function: X, self: s + k, selfShare: comparisonShare, cores: xCores, monthlyCost: xCores * COST * HOURS, savingsIfHalved: (xCores * COST * HOURS) / 2, savingsIfRemoved: xCores * COST * HOURS },
    );
    // Label coverage over the whole service (both versions carry every recommended label).
    assert.equal(body.labelCoverage.all, 1);
  });

  it('serves the report as HTML to browsers', async () => {
    const res = await fetch(`${server.url}/api/v1/report/checkout?from=${F}&until=${U}&version=v2&baselineVersion=v1`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /<h1>checkout<\/h1>/);
    assert.ok(html.includes(`<code>${X}</code>`), 'names the regression');
    assert.ok(html.includes('Savings assume'), 'states the assumption');
  });

  it('hotpath guard exits 1 naming the function, 0 on equal inputs, 2 on bad URLs', async () => {
    const base = ['guard', '--from', String(F), '--until', String(U), '--max-share-increase', '0.05', '--url', server.url];
    const fail = await cli([...base, '--baseline', v1, '--comparison', v2]);
    assert.equal(fail.code, 1, fail.stderr);
    const line = fail.stdout.split('\n').find((l) => l.includes(X));
    assert.equal(line, `  ${X}: self share ${pct(Number(s) / Number(T))} → ${pct(Number(s + k) / Number(T + k))} (${pp(Number(s + k) / Number(T + k) - Number(s) / Number(T))}, allowed +5.00 pp)`);
    const pass = await cli([...base, '--baseline', v1, '--comparison', v1]);
    assert.deepEqual({ code: pass.code, stdout: pass.stdout }, { code: 0, stdout: 'guard: pass\n' });
    const onlyOther = await cli([...base, '--baseline', v1, '--comparison', v2, '--function', 'runtime.memclrNoHeapPointers']);
    assert.equal(onlyOther.code, 0, onlyOther.stdout);
    const closed = await closedPort();
    const unreachable = await cli(['guard', '--baseline', v1, '--comparison', v2, '--url', `http://127.0.0.1:${closed}`]);
    assert.equal(unreachable.code, 2);
    assert.ok(unreachable.stderr.startsWith(`hotpath guard: cannot reach http://127.0.0.1:${closed}: `), unreachable.stderr);
    const malformed = await cli(['guard', '--baseline', v1, '--comparison', v2, '--url', 'not a url']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--url "not a url" is not a URL/);
    const usage = await cli(['guard', '--baseline', v1, '--url', server.url]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--comparison <query> is required/);
  });

  it('hotpath diff --format markdown shows the JSON diff\'s numbers', async () => {
    const q = `baseline=${encodeURIComponent(v1)}&comparison=${encodeURIComponent(v2)}&baselineFrom=${F}&baselineUntil=${U}&comparisonFrom=${F}&comparisonUntil=${U}&limit=8`;
    const { body: d } = await json(`${server.url}/api/v1/diff?${q}`);
    const md = await cli(['diff', '--baseline', v1, '--comparison', v2, '--from', String(F), '--until', String(U), '--limit', '8', '--format', 'markdown', '--max-share-increase', '0.05', '--url', server.url]);
    assert.equal(md.code, 0, md.stderr);
    const rows = md.stdout.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.equal(rows.length, d.rows.length);
    assert.equal(d.rows.length, 8);
    rows.forEach((line, i) => {
      const cells = line.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''));
      const r = d.rows[i];
      assert.deepEqual(cells, [String(i + 1), `\`${r.function}\``, pct(r.selfShare.baseline), pct(r.selfShare.comparison), pp(r.selfShare.delta), String(r.baseline.self), String(r.comparison.self)]);
    });
    assert.equal(d.rows[0].function, X);
    assert.match(md.stdout, /\*\*Guard: regression\*\*/);
    const js = await cli(['diff', '--baseline', v1, '--comparison', v2, '--from', String(F), '--until', String(U), '--limit', '8', '--format', 'json', '--url', server.url]);
    assert.deepEqual(JSON.parse(js.stdout), { unit: d.unit, baseline: d.baseline, comparison: d.comparison, rows: d.rows });
  });

  it('POST /api/v1/guard refuses malformed rules naming the field', async () => {
    const { status, body } = await json(`${server.url}/api/v1/guard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ baseline: v1, comparison: v2, rules: [{ function: X, maxShareIncrease: -1 }] }),
    });
    assert.deepEqual({ status, body }, { status: 400, body: { error: { code: 'bad_request', message: 'rules[0].maxShareIncrease must be a non-negative number (a share: 0.05 = 5 percentage points), got -1' } } });
  });

  it('the optimization yield compares v1\'s named candidates with their share in v2', async () => {
    const { status, body } = await json(`${server.url}/api/v1/kpis?from=${F}&until=${U}&service=checkout`);
    assert.equal(status, 200, JSON.stringify(body));
    const svc = body.services[0];
    assert.deepEqual(svc.versions, ['v1', 'v2']);
    const top3 = [...oracle.leafSelf.entries()].sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0)).slice(0, 3);
    const expected = top3
      .map(([fn, self]) => {
        const namedShare = Number(self) / Number(T);
        const nextShare = Number(fn === X ? self + k : self) / Number(T + k);
        return { function: fn, namedShare, nextShare, drop: (namedShare - nextShare) / namedShare };
      })
      .sort((a, b) => (a.function < b.function ? -1 : 1));
    assert.deepEqual(svc.optimizationYield.cycles, [{ named: 'v1', next: 'v2', candidates: expected, meanDrop: expected.reduce((a, c) => a + c.drop, 0) / 3 }]);
    assert.equal(svc.optimizationYield.flat, false);
  });

  describe('a small synthetic fleet', () => {
    // Pod p1 (all labels, build B1) reports in 4 consecutive buckets; pod p2 (no zone, build B2) in the first and
    // the last only. p1's stacks use frames main, work, compute, 0x4f2a (1 of 4 unsymbolized); p2's main,
    // libc.so+0x1a2b, [unknown] (2 of 3).
    const t0 = T1 - 50;
    const fleetUntil = t0 + 40;
    const p1 = 'name=fleet.cpu{version=v1,zone=eu-1,pod=p1,build_id=B1}';
    const p2 = 'name=fleet.cpu{version=v1,pod=p2,build_id=B2}';
    const window = `from=${t0 - 60}&until=${fleetUntil}`;
    const windowSeconds = fleetUntil - (t0 - 60);

    before(async () => {
      for (const dt of [0, 10, 20, 30]) await ingest(server, `${p1}&from=${t0 + dt}&until=${t0 + dt + 10}&format=folded&sampleRate=100`, 'main;work;compute 3\nmain;0x4f2a 1\n');
      for (const dt of [0, 30]) await ingest(server, `${p2}&from=${t0 + dt}&until=${t0 + dt + 10}&format=folded&sampleRate=100`, 'main;libc.so+0x1a2b;[unknown] 2\n');
      await waitForTotal(server, `${CPU}{service_name="fleet"}`, t0 - 60, fleetUntil, (4n * 4n + 2n * 2n) * 10_000_000n);
      // The budget after the data: set before, the gateway would have refused most of it (as it should).
      const put = await json(`${server.url}/api/v1/services/fleet`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ owner: 'team-fleet', budget: { profilesPerSecond: 0.01 } }) });
      assert.equal(put.status, 200);
    });

    it('KPI figures equal the hand-computed ones', async () => {
      const { status, body } = await json(`${server.url}/api/v1/kpis?${window}&service=fleet`);
      assert.equal(status, 200, JSON.stringify(body));
      const k0 = body.services[0];
      assert.deepEqual(k0.coverage, { pods: 2, received: 6, expected: 8, ratio: 6 / 8, intervalSeconds: 10 });
      assert.deepEqual(k0.labelCoverage, { profiles: 6, all: 4 / 6, byLabel: { version: 1, 'zone|region': 4 / 6, pod: 1, build_id: 1 } });
      assert.deepEqual(k0.symbolCoverage, {
        frames: 7,
        unsymbolized: 3,
        unsymbolizedShare: 3 / 7,
        byBuildId: [
          { buildId: 'B1', frames: 4, unsymbolized: 1, unsymbolizedShare: 1 / 4 },
          { buildId: 'B2', frames: 3, unsymbolized: 2, unsymbolizedShare: 2 / 3 },
        ],
      });
      assert.equal(k0.freshnessSeconds, fleetUntil - (t0 + 30));
      assert.deepEqual(k0.ingest, { profiles: 6, profilesPerSecond: 6 / windowSeconds, budgetProfilesPerSecond: 0.01, ratio: 6 / windowSeconds / 0.01, sampleOneIn: null });
      assert.equal(k0.storage.retentionTier, 'standard');
      assert.equal(k0.storage.rows.raw, 4 * 2 + 2 * 1);
      assert.deepEqual({ owner: k0.owner, stage: k0.stage, frozen: k0.frozen }, { owner: 'team-fleet', stage: 'lab', frozen: false });
      // With the interval at 30 s (agents uploading every 30 s) p2 is complete too: p1 2 expected, p2 2.
      const { body: slow } = await json(`${server.url}/api/v1/kpis?${window}&service=fleet&intervalSeconds=30`);
      assert.deepEqual(slow.services[0].coverage, { pods: 2, received: 6, expected: 4, ratio: 6 / 4, intervalSeconds: 30 });
    });

    it('failing gates freeze the stage and lower sampling, once', async () => {
      const { status, body } = await json(`${server.url}/api/v1/services/fleet/gates?${window}`);
      assert.equal(status, 200, JSON.stringify(body));
      const verdicts = Object.fromEntries(body.gates.map((g: { name: string; verdict: string; figure: number | null; threshold: number }) => [g.name, [g.verdict, g.figure, g.threshold]]));
      assert.deepEqual(verdicts, {
        ingest_budget: ['fail', 6 / windowSeconds / 0.01, 1],
        label_coverage: ['fail', 4 / 6, 0.9],
        symbol_coverage: ['fail', 1 - 3 / 7, 0.9],
        guard: ['skip', null, 0.05],
      });
      assert.deepEqual(
        { stage: body.stage, frozen: body.frozen, action: body.action, sampling: body.sampling, reason: body.frozenReason },
        { stage: 'lab', frozen: true, action: 'froze', sampling: { sampleOneIn: 2, sampleOneInBefore: null }, reason: 'failed: ingest_budget, label_coverage, symbol_coverage' },
      );
      const settings = await json(`${server.url}/api/v1/services/fleet`);
      assert.deepEqual(settings.body.budget, { profilesPerSecond: 0.01, sampleOneIn: 2 });
      const again = await json(`${server.url}/api/v1/services/fleet/gates?${window}`);
      assert.deepEqual({ action: again.body.action, sampling: again.body.sampling }, { action: 'none', sampling: { sampleOneIn: 2, sampleOneInBefore: null } });
      const promote = await json(`${server.url}/api/v1/services/fleet/stage?${window}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stage: 'canary' }) });
      assert.deepEqual(promote, {
        status: 400,
        body: { error: { code: 'bad_request', message: 'service "fleet" is frozen at stage lab (failed: ingest_budget, label_coverage, symbol_coverage); promotion needs every gate to pass' } },
      });
      const kpis = await json(`${server.url}/api/v1/kpis?${window}&service=fleet`);
      assert.deepEqual({ stage: kpis.body.services[0].stage, frozen: kpis.body.services[0].frozen, sampleOneIn: kpis.body.services[0].ingest.sampleOneIn }, { stage: 'lab', frozen: true, sampleOneIn: 2 });
    });

    it('guardrail metrics per service are on /metrics', async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const value = (name: string, service: string) => {
        const m = text.split('\n').find((l) => l.startsWith(`${name}{tenant="anonymous",service="${service}"}`));
        return m === undefined ? undefined : Number(m.split(' ').pop());
      };
      // Everything posted lies within the last 5 minutes: checkout 2T + k, fleet 20 samples × 1e7 ns.
      assert.equal(value('hotpath_service_cpu_cores', 'checkout'), Number(2n * T + k) / (300 * 1e9));
      assert.equal(value('hotpath_service_top_function_share', 'checkout'), Number(2n * s + k) / Number(2n * T + k));
      assert.equal(value('hotpath_service_cpu_cores', 'fleet'), Number(20n * 10_000_000n) / (300 * 1e9));
      assert.equal(value('hotpath_service_top_function_share', 'fleet'), 12 / 20);
      assert.ok((value('hotpath_service_freshness_seconds', 'fleet') ?? -1) >= 0);
      assert.ok((value('hotpath_service_ingest_budget_ratio', 'fleet') ?? -1) > 0);
    });
  });
});
