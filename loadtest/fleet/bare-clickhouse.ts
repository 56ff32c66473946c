/**
 * Bare ClickHouse baseline, run as its own process (the embedded engine is one per process): the same sample rows
 * the aggregator would write, inserted as pre-formatted text into a scratch table shaped like samples_raw (same
 * columns, engine and key; no rollup views, no dedup token), then the bare `GROUP BY stack_id` of /top's selection.
 *
 *   node --import tsx loadtest/fleet/bare-clickhouse.ts <input.json>   → prints one JSON line of results
 *
 * input.json: { dir, batches: string[] (JSONEachRow text, one per insert), tsv: string[] (same rows as
 * TabSeparated), query: { tenant, profileType, service, fromS, untilS }, repeats }
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createStoreClient } from '../../lib/store/client.ts';

interface Input {
  dir: string;
  batches: string[];
  tsv: string[];
  query: { tenant: string; profileType: string; service: string; fromS: number; untilS: number };
  repeats: number;
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Input;
const client = createStoreClient({ url: '', username: '', password: '', database: 'default', cluster: '' }, input.dir);

const columns = `tenant LowCardinality(String), profile_type LowCardinality(String), service LowCardinality(String), fingerprint UInt64,
  bucket DateTime, stack_id UInt64, value Int64, retention LowCardinality(String)`;
const order = 'ORDER BY (tenant, profile_type, service, fingerprint, bucket, stack_id, retention)';

async function insertAll(table: string, format: string, bodies: string[]): Promise<number> {
  await client.command({ query: `CREATE TABLE ${table} (${columns}) ENGINE = SummingMergeTree(value) PARTITION BY toDate(bucket) ${order}` });
  const t0 = performance.now();
  for (const body of bodies) await client.exec({ query: `INSERT INTO ${table} FORMAT ${format}`, values: Readable.from([body]) });
  return (performance.now() - t0) / 1000;
}

const jsonSeconds = await insertAll('scratch_json', 'JSONEachRow', input.batches);
const tsvSeconds = await insertAll('scratch_tsv', 'TabSeparated', input.tsv);
const q = input.query;
const sql = `SELECT stack_id, sum(value) AS v FROM scratch_json
  WHERE tenant = {tenant:String} AND profile_type = {pt:String} AND service = {service:String}
    AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({until:UInt32})
  GROUP BY stack_id HAVING v != 0`;
const params = { tenant: q.tenant, pt: q.profileType, service: q.service, from: q.fromS, until: q.untilS };
const groupByMs: number[] = [];
let stacks = 0;
for (let i = 0; i < input.repeats; i++) {
  const t0 = performance.now();
  const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  stacks = (await rs.json()).length;
  groupByMs.push(performance.now() - t0);
}
const rows = input.batches.reduce((n, b) => n + b.split('\n').filter(Boolean).length, 0);
await client.close();
console.log(JSON.stringify({ rows, jsonSeconds, tsvSeconds, groupByMs, stacks }));
