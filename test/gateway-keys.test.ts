/**
 * API keys end to end: the first admin key made with `hotpath keys create` straight into the data dir, the rest
 * through a running server's admin API (`hotpath keys --url`); ingest keys cannot query, query keys cannot
 * ingest, tenant A's keys never see tenant B's labels or data, revoked keys stop working, and 401/403 answer as
 * api.md says. `/metrics` and health stay open to scrapers and probes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { oracleTotals, readRecentProfile } from './helpers/pprof-oracle.ts';
import { startServer, tempDir, type TestServer } from './helpers/server.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const FIB = readRecentProfile('go-cpu-fib.pb.gz');
const FIB_CPU = Number(oracleTotals(FIB).find((t) => t.type === 'cpu')!.total);

function cli(args: string[], env: Record<string, string>): { code: number | null; out: any; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/hotpath.ts', 'keys', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim() ? JSON.parse(r.stdout) : undefined, err: r.stderr };
}

describe('API keys', { timeout: 5 * 60_000 }, () => {
  const dataDir = tempDir();
  let server: TestServer;
  let adminA: string;
  let adminB: string;
  const keys: Record<string, string> = {};

  before(async () => {
    // The first admin keys: directly in the (not yet running) server's data dir.
    const a = cli(['create', '--tenant', 'team-a', '--scopes', 'admin', '--name', 'root'], { HOTPATH_DATA_DIR: dataDir });
    assert.equal(a.code, 0, a.err);
    assert.match(a.out.key, /^hp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([a.out.tenant, a.out.scopes, a.out.name], ['team-a', ['admin'], 'root']);
    adminA = a.out.key;
    const b = cli(['create', '--tenant', 'team-b', '--scopes', 'admin'], { HOTPATH_DATA_DIR: dataDir });
    assert.equal(b.code, 0, b.err);
    adminB = b.out.key;
    server = await startServer({ dataDir, env: { HOTPATH_AUTH: 'true' } });
    // Every other key through the admin API, by the CLI and by plain HTTP.
    for (const [tenant, admin] of [['a', adminA], ['b', adminB]] as const) {
      for (const scope of ['ingest', 'query']) {
        const r = cli(['create', '--scopes', scope, '--name', `${scope}-${tenant}`, '--url', server.url], { HOTPATH_API_KEY: admin });
        assert.equal(r.code, 0, r.err);
        assert.equal(r.out.tenant, `team-${tenant}`);
        keys[`${scope}-${tenant}`] = r.out.key;
      }
    }
  });
  after(async () => {
    await server?.stop();
  });

  const ingest = (key: string | undefined, service: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/ingest?name=${service}&format=pprof&from=1700000000&until=1700000010`, {
      method: 'POST',
      body: FIB,
      headers: { 'content-type': 'application/octet-stream', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    });
  const get = (key: string | undefined, path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
  const topPath = (service: string) => `/api/v1/top?query=${encodeURIComponent(`${CPU}{service_name="${service}"}`)}&from=1&until=now`;

  async function error(res: Response, status: number, code: string): Promise<string> {
    assert.equal(res.status, status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, code);
    return body.error.message;
  }

  it('no key or a bad key: 401 unauthorized; metrics and health stay open', async () => {
    assert.equal(await error(await ingest(undefined, 'x'), 401, 'unauthorized'), 'no API key: send the header `Authorization: Bearer <key>`');
    assert.equal(await error(await get(undefined, topPath('x')), 401, 'unauthorized'), 'no API key: send the header `Authorization: Bearer <key>`');
    await error(await get(`hp_0123456789abcdef_${'A'.repeat(43)}`, topPath('x')), 401, 'unauthorized');
    assert.equal((await get(undefined, '/metrics')).status, 200);
    assert.equal((await get(undefined, '/healthy')).status, 200);
  });

  it('an ingest key cannot query; a query key cannot ingest; neither can manage keys', async () => {
    assert.equal((await ingest(keys['ingest-a'], 'svc-a')).status, 200);
    assert.match(await error(await get(keys['ingest-a'], topPath('svc-a')), 403, 'forbidden'), /lacks the scope "query" this route needs \(it has: ingest\)/);
    assert.match(await error(await ingest(keys['query-a'], 'svc-a'), 403, 'forbidden'), /lacks the scope "ingest" this route needs \(it has: query\)/);
    await error(await get(keys['query-a'], '/api/v1/keys'), 403, 'forbidden');
    const put = await fetch(`${server.url}/api/v1/services/svc-a`, { method: 'PUT', headers: { authorization: `Bearer ${keys['query-a']}`, 'content-type': 'application/json' }, body: '{"owner":"x"}' });
    await error(put, 403, 'forbidden');
  });

  it("tenant A's keys never see tenant B's labels or data", async () => {
    assert.equal((await ingest(keys['ingest-b'], 'secret-b{zone=b-only}')).status, 200);
    let totalB = 0;
    for (let i = 0; i < 100 && totalB !== FIB_CPU; i++) {
      totalB = ((await (await get(keys['query-b'], topPath('secret-b'))).json()) as { total: number }).total;
      if (totalB !== FIB_CPU) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(totalB, FIB_CPU, "tenant B sees its own data");
    const totalA = ((await (await get(keys['query-a'], topPath('svc-a'))).json()) as { total: number }).total;
    assert.equal(totalA, FIB_CPU);

    assert.equal(((await (await get(keys['query-a'], topPath('secret-b'))).json()) as { total: number }).total, 0);
    const values = (await (await get(keys['query-a'], '/api/v1/labels/service_name/values?from=1&until=now')).json()) as { values: string[] };
    assert.deepEqual(values.values, ['svc-a']);
    const zones = (await (await get(keys['query-a'], '/api/v1/labels/zone/values?from=1&until=now')).json()) as { values: string[] };
    assert.deepEqual(zones.values, []);
    // Claiming the other tenant in X-Scope-OrgID is refused, not honoured.
    assert.match(await error(await get(keys['query-a'], topPath('secret-b'), { 'x-scope-orgid': 'team-b' }), 403, 'forbidden'), /belongs to tenant "team-a", not "team-b"/);
    await error(await ingest(keys['ingest-a'], 'svc-a', { 'x-scope-orgid': 'team-b' }), 403, 'forbidden');
    // An admin lists and revokes only its own tenant's keys.
    const listed = cli(['list', '--url', server.url], { HOTPATH_API_KEY: adminA });
    assert.equal(listed.code, 0, listed.err);
    assert.deepEqual(listed.out.keys.map((k: { name: string }) => k.name).sort(), ['ingest-a', 'query-a', 'root']);
    assert.ok(listed.out.keys.every((k: object) => !('hash' in k) && !('salt' in k)));
    const idB = keys['ingest-b']!.split('_')[1]!;
    const cross = cli(['revoke', idB, '--url', server.url], { HOTPATH_API_KEY: adminA });
    assert.equal(cross.code, 1);
    assert.match(cross.err, /404/);
  });

  it('a revoked key is refused at once', async () => {
    const id = keys['ingest-a']!.split('_')[1]!;
    const r = cli(['revoke', id, '--url', server.url], { HOTPATH_API_KEY: adminA });
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.revokedAt);
    assert.match(await error(await ingest(keys['ingest-a'], 'svc-a'), 401, 'unauthorized'), new RegExp(`API key ${id} was revoked at`));
    assert.equal((await ingest(keys['ingest-b'], 'secret-b')).status, 200, 'other keys keep working');
  });
});
