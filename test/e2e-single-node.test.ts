/**
 * End to end on one node: every real test profile posted over HTTP to a real `hotpath start` process; per profile
 * type, /api/v1/top and /api/v1/flamegraph totals equal the independent pprof-format sums; the same after a
 * restart on the same data dir. Bad input is refused with the documented codes and harms nothing.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { oracleTotals, PROFILES_DIR, readProfileFile } from './helpers/pprof-oracle.ts';
import { restampPprof } from './helpers/restamp.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const FILES = readdirSync(PROFILES_DIR)
  .filter((f) => !f.startsWith('bad-') && !f.endsWith('.jfr.gz') && (f.endsWith('.pb.gz') || f.endsWith('.pprof')))
  .sort();

const serviceOf = (file: string) => `f-${file.replace(/[^A-Za-z0-9_-]/g, '_')}`;
const ALL_TIME = 'from=now-1h&until=now%2B1h';

interface TreeJson {
  name: string;
  self: number;
  total: number;
  children: TreeJson[];
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function post(server: TestServer, query: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}/ingest?${query}`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream', ...headers } });
  return { status: res.status, text: await res.text() };
}

function checkTree(node: TreeJson): void {
  const childSum = node.children.reduce((s, c) => s + c.total, 0);
  assert.equal(node.total, node.self + childSum, `node ${node.name}: total ${node.total} != self ${node.self} + children ${childSum}`);
  node.children.forEach(checkTree);
}

/** Snapshot of every answer the restart check compares. */
async function snapshot(server: TestServer, ids: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const file of FILES) {
    for (const id of ids) {
      const q = encodeURIComponent(`${id}{service_name="${serviceOf(file)}"}`);
      const { body } = await getJson(`${server.url}/api/v1/top?query=${q}&${ALL_TIME}&limit=5`);
      if (body.total !== 0) out[`${file} ${id}`] = body;
    }
  }
  return out;
}

describe('single node end to end', () => {
  let server: TestServer;
  let ids: string[] = [];

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('accepts every real profile with 200 and an empty body', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const results = await Promise.all(
      FILES.map(async (file) => {
        const r = await post(server, `name=${serviceOf(file)}&from=${nowS - 10}&until=${nowS}&format=pprof`, restampPprof(readProfileFile(file), Date.now() - 5000));
        return { file, ...r };
      }),
    );
    for (const r of results) assert.deepEqual({ file: r.file, status: r.status, text: r.text }, { file: r.file, status: 200, text: '' });
    const types = await getJson(`${server.url}/api/v1/profile-types?${ALL_TIME}`);
    assert.equal(types.status, 200);
    ids = types.body.profileTypes.map((t: { id: string }) => t.id);
    assert.ok(ids.includes('process_cpu:cpu:nanoseconds:cpu:nanoseconds'), `profile types: ${ids.join(' ')}`);
    assert.ok(ids.includes('memory:alloc_space:bytes:space:bytes'), `profile types: ${ids.join(' ')}`);
  });

  it('top and flame graph totals equal the independent sums, per file and sample type', async () => {
    let checked = 0;
    let topChecked = 0;
    for (const file of FILES) {
      for (const ot of oracleTotals(readProfileFile(file))) {
        const candidates = ids.filter((id) => {
          const [, type, unit] = id.split(':');
          return type === ot.type && unit === ot.unit;
        });
        let total = 0n;
        let served: { id: string; body: any } | undefined;
        for (const id of candidates) {
          const q = encodeURIComponent(`${id}{service_name="${serviceOf(file)}"}`);
          const { status, body } = await getJson(`${server.url}/api/v1/top?query=${q}&${ALL_TIME}&limit=3`);
          assert.equal(status, 200);
          total += BigInt(body.total);
          if (body.total !== 0) served = { id, body };
        }
        assert.equal(total, ot.total, `${file} ${ot.type}/${ot.unit}: top total`);
        checked++;
        if (!served) continue;
        // The top function by self, where the file names every leaf and one leaf clearly leads.
        const leaves = [...ot.leafSelf.entries()].sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0));
        const symbolized = leaves.reduce((s, [, v]) => s + v, 0n) === ot.total;
        if (symbolized && leaves.length > 0 && ot.total > 0n && (leaves.length === 1 || leaves[0][1] > leaves[1][1])) {
          assert.equal(served.body.rows[0].function, leaves[0][0], `${file} ${ot.type}: top function`);
          assert.equal(BigInt(served.body.rows[0].self), leaves[0][1], `${file} ${ot.type}: top self`);
          topChecked++;
        }
        const q = encodeURIComponent(`${served.id}{service_name="${serviceOf(file)}"}`);
        const fg = await getJson(`${server.url}/api/v1/flamegraph?query=${q}&${ALL_TIME}`);
        assert.equal(fg.status, 200);
        assert.equal(BigInt(fg.body.total), ot.total, `${file} ${ot.type}: flame graph total`);
        assert.equal(BigInt(fg.body.root.total), ot.total);
        checkTree(fg.body.root);
      }
    }
    assert.ok(checked >= 100, `checked ${checked} sample types`);
    assert.ok(topChecked >= 30, `checked the top function of ${topChecked} sample types`);
  });

  it('prunes to maxNodes with totals intact', async () => {
    const q = encodeURIComponent(`process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="${serviceOf('go-cpu-deep-stacks.pb.gz')}"}`);
    const full = await getJson(`${server.url}/api/v1/flamegraph?query=${q}&${ALL_TIME}`);
    const pruned = await getJson(`${server.url}/api/v1/flamegraph?query=${q}&${ALL_TIME}&maxNodes=50`);
    assert.equal(pruned.body.total, full.body.total);
    checkTree(pruned.body.root);
    let nodes = 0;
    let others = 0;
    const walk = (n: TreeJson) => {
      if (n.name === 'other' && n.children.length === 0) others++;
      else nodes++;
      n.children.forEach(walk);
    };
    walk(pruned.body.root);
    assert.ok(nodes <= 50, `${nodes} real nodes`);
    assert.ok(others > 0, 'something was folded into other');
  });

  it('lists labels and values, filtered by query', async () => {
    const names = await getJson(`${server.url}/api/v1/labels?${ALL_TIME}`);
    assert.equal(names.status, 200);
    assert.ok(names.body.names.includes('service_name'));
    assert.deepEqual(names.body.names, [...names.body.names].sort());
    const svc = serviceOf('go-cpu-fib.pb.gz');
    const values = await getJson(`${server.url}/api/v1/labels/service_name/values?${ALL_TIME}&query=${encodeURIComponent(`process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name=~"f-go-cpu-f.*"}`)}`);
    assert.deepEqual(values.body, { values: [svc] });
  });

  it('refuses bad input with the documented codes and keeps serving', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const name = `name=bad-input&from=${nowS - 10}&until=${nowS}`;
    const cases: [string, string | Uint8Array, number, string][] = [
      [`${name}&format=pprof`, '', 400, 'invalid_profile'],
      [`${name}&format=pprof`, readProfileFile('bad-not-pprof.txt'), 400, 'invalid_profile'],
      [`${name}&format=pprof`, readProfileFile('bad-truncated-gzip.pb.gz'), 400, 'invalid_profile'],
      [`${name}&format=pprof`, readProfileFile('bad-truncated-protobuf.pb'), 400, 'invalid_profile'],
      [`${name}&format=pprof`, readProfileFile('bad-bitflipped.pb'), 400, 'invalid_profile'],
      [`${name}&format=banana`, readProfileFile('tiny-two-stacks.pb.gz'), 400, 'bad_request'],
      [`name=bad%20name&format=pprof`, readProfileFile('tiny-two-stacks.pb.gz'), 400, 'bad_request'],
      // The file as recorded (2019): outside the ingestion window, refused rather than stored and expired.
      [`${name}&format=pprof`, readProfileFile('tiny-two-stacks.pb.gz'), 400, 'invalid_profile'],
      [`format=pprof`, readProfileFile('tiny-two-stacks.pb.gz'), 400, 'bad_request'],
    ];
    for (const [query, body, status, code] of cases) {
      const r = await post(server, query, body);
      assert.equal(r.status, status, `${query}: ${r.text}`);
      const parsed = JSON.parse(r.text);
      assert.equal(parsed.error.code, code, `${query}: ${r.text}`);
      assert.equal(typeof parsed.error.message, 'string');
      assert.ok(parsed.error.message.length > 5);
    }
    const q = encodeURIComponent('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="x"}');
    const reversed = await getJson(`${server.url}/api/v1/top?query=${q}&from=now&until=now-1h`);
    assert.equal(reversed.status, 400);
    assert.equal(reversed.body.error.code, 'invalid_time_range');
    const badSel = await getJson(`${server.url}/api/v1/top?query=${encodeURIComponent('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name=}')}`);
    assert.equal(badSel.status, 400);
    assert.equal(badSel.body.error.code, 'invalid_selector');
    const noQuery = await getJson(`${server.url}/api/v1/flamegraph`);
    assert.equal(noQuery.status, 400);
    assert.equal(noQuery.body.error.code, 'invalid_selector');
    // Nothing of the refused input was stored, and earlier data is intact.
    const values = await getJson(`${server.url}/api/v1/labels/service_name/values?${ALL_TIME}`);
    assert.ok(!values.body.values.includes('bad-input'));
    const fib = await getJson(`${server.url}/api/v1/top?query=${encodeURIComponent(`process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="${serviceOf('go-cpu-fib.pb.gz')}"}`)}&${ALL_TIME}`);
    assert.equal(fib.body.total, 29740000000);
  });

  it('answers the same after a restart on the same data dir', async () => {
    const before = await snapshot(server, ids);
    assert.ok(Object.keys(before).length >= 60);
    await server.stop();
    server = await startServer({ dataDir: server.dataDir });
    const afterRestart = await snapshot(server, ids);
    assert.deepEqual(afterRestart, before);
  });
});
