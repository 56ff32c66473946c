/**
 * The real @pyroscope/nodejs SDK (0.6.x: raw gzip'd pprof to /ingest?format=pprof, dotted otel.* tags) profiling a
 * small real workload in a child process, pointed at a real `hotpath start`: its wall/CPU and heap profiles arrive
 * under its service_name, with non-zero totals and the workload's own functions on top.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from './helpers/server.ts';

const WORKLOAD = fileURLToPath(new URL('./fixtures/nodejs-sdk-workload.mjs', import.meta.url));
const APP = 'nodejs-sdk-app';
const RANGE = 'from=now-1h&until=now%2B10m';

function runWorkload(serverUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WORKLOAD], {
      env: { ...process.env, PYROSCOPE_SERVER_ADDRESS: serverUrl, APP_NAME: APP, RUN_MS: '2500', FLUSH_MS: '1000', DEBUG: 'pyroscope' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('@pyroscope/nodejs SDK → Hotpath', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  async function top(typeId: string): Promise<{ total: number; rows: { function: string; self: number; total: number }[] }> {
    const q = encodeURIComponent(`${typeId}{service_name="${APP}"}`);
    const res = await fetch(`${server.url}/api/v1/top?query=${q}&${RANGE}&limit=1000&sort=total`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { total: number | string; rows: { function: string; self: number; total: number }[] };
    return { total: Number(body.total), rows: body.rows };
  }

  it('delivers wall/CPU and heap profiles with the workload functions', async () => {
    const run = await runWorkload(server.url);
    assert.equal(run.code, 0, run.output);
    // The SDK only logs rejected uploads (DEBUG=pyroscope): none may have been refused.
    assert.doesNotMatch(run.output, /status code 4\d\d|status code 5\d\d|Error/i, run.output);

    const series = await fetch(`${server.url}/api/v1/labels/service_name/values?${RANGE}`);
    assert.equal(series.status, 200);
    assert.ok(((await series.json()) as { values: string[] }).values.includes(APP));

    const wall = await top('wall:wall:nanoseconds:wall:nanoseconds');
    assert.ok(wall.total > 0, 'wall total');
    assert.ok(wall.rows.some((r) => r.function.includes(':hotpathBusyLoop:') && r.total > 0), JSON.stringify(wall.rows.slice(0, 10)));
    const cpu = await top('wall:cpu:nanoseconds:wall:nanoseconds');
    assert.ok(cpu.total > 0, 'cpu total');
    assert.ok(cpu.rows.some((r) => r.function.includes(':hotpathBusyLoop:') && r.self > 0), JSON.stringify(cpu.rows.slice(0, 10)));

    const heap = await top('memory:inuse_space:bytes:inuse_space:bytes');
    assert.ok(heap.total > 0, 'heap total');
    assert.ok(heap.rows.some((r) => r.function.includes(':hotpathAllocate:') && r.total > 0), JSON.stringify(heap.rows.slice(0, 10)));
    assert.ok((await top('memory:inuse_objects:count:inuse_space:bytes')).total > 0, 'heap objects total');
  });
});
