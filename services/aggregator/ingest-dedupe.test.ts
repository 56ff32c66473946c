/**
 * A client retry counts once, through the aggregator's per-batch lookup of stored ingest ids: the same request
 * posted again after a restart (memory empty, the id only in `ingest_ids`) adds nothing; a different request does.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { oracleTotals, readProfileFile } from '../../test/helpers/pprof-oracle.ts';
import { restampPprof } from '../../test/helpers/restamp.ts';
import { startServer, type TestServer } from '../../test/helpers/server.ts';

const CPU = encodeURIComponent('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="retry-svc"}');

async function post(s: TestServer, body: Uint8Array, fromS: number): Promise<number> {
  const r = await fetch(`${s.url}/ingest?name=retry-svc&from=${fromS}&until=${fromS + 10}&format=pprof`, { method: 'POST', body });
  await r.arrayBuffer();
  return r.status;
}

async function total(s: TestServer): Promise<bigint> {
  const r = await fetch(`${s.url}/api/v1/top?query=${CPU}&from=now-1h&until=now%2B1h&limit=1`);
  return BigInt(((await r.json()) as { total: number }).total);
}

describe('retry dedupe across a restart', () => {
  let server: TestServer | undefined;
  after(async () => {
    await server?.stop();
  });

  it('a retried request after a restart is counted once; a new one is counted', async () => {
    const body = restampPprof(readProfileFile('go-cpu-fib.pb.gz'), Date.now() - 60_000);
    const one = oracleTotals(body).find((t) => t.type === 'cpu')!.total;
    const fromS = Math.floor(Date.now() / 1000) - 60;
    server = await startServer();
    assert.equal(await post(server, body, fromS), 200);
    assert.equal(await post(server, body, fromS), 200);
    assert.equal(await total(server), one);
    await server.stop();
    server = await startServer({ dataDir: server.dataDir });
    assert.equal(await post(server, body, fromS), 200);
    assert.equal(await total(server), one);
    assert.equal(await post(server, body, fromS + 1), 200);
    assert.equal(await total(server), 2n * one);
  });
});
