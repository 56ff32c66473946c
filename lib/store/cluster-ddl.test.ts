/**
 * Cluster DDL: the generated text for the example cluster, statement by statement where it matters, and every
 * generated statement parsed by the real ClickHouse parser (the embedded engine's formatQuery) so a rewrite can
 * never produce something a server would refuse to parse.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { loadTiers } from '../config/tiers.ts';
import { clusterRewriter, clusterSchema, splitTopLevel } from './cluster-ddl.ts';

const layout = { cluster: 'hotpath', database: 'hotpath' };
const rewrite = clusterRewriter(layout);
const tiers = loadTiers(() => undefined, 10);
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('cluster DDL', () => {
  it('makes a sharded table a replicated local table plus a Distributed table by fingerprint', () => {
    const out = [rewrite(`CREATE TABLE IF NOT EXISTS samples_1h (tenant String, fingerprint UInt64, value Int64)
      ENGINE = SummingMergeTree(value) PARTITION BY tenant ORDER BY (tenant, fingerprint)
      SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1`)].flat().map(flat);
    assert.deepEqual(out, [
      "CREATE TABLE IF NOT EXISTS samples_1h_local ON CLUSTER hotpath (tenant String, fingerprint UInt64, value Int64) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/hotpath/samples_1h_local', '{replica}', value) PARTITION BY tenant ORDER BY (tenant, fingerprint) SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1",
      'CREATE TABLE IF NOT EXISTS samples_1h ON CLUSTER hotpath AS samples_1h_local ENGINE = Distributed(hotpath, hotpath, samples_1h_local, fingerprint)',
    ]);
  });

  it('replicates an unsharded table to every node under one path', () => {
    assert.deepEqual([rewrite('CREATE TABLE IF NOT EXISTS stacks (tenant String, stack_id UInt64, last_seen DateTime) ENGINE = ReplacingMergeTree(last_seen) ORDER BY (tenant, stack_id)')].flat(), [
      "CREATE TABLE IF NOT EXISTS stacks ON CLUSTER hotpath (tenant String, stack_id UInt64, last_seen DateTime) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/hotpath/stacks', '{replica}', last_seen) ORDER BY (tenant, stack_id)",
    ]);
    assert.deepEqual([rewrite('CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = ReplacingMergeTree ORDER BY a')].flat(), [
      "CREATE TABLE IF NOT EXISTS t ON CLUSTER hotpath (a UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/hotpath/t', '{replica}') ORDER BY a",
    ]);
  });

  it('points materialized views at the local tables of their shard', () => {
    assert.deepEqual([rewrite('CREATE MATERIALIZED VIEW IF NOT EXISTS samples_1m_mv TO samples_1m AS SELECT tenant, fingerprint, value FROM samples_raw')].flat(), [
      'CREATE MATERIALIZED VIEW IF NOT EXISTS samples_1m_mv ON CLUSTER hotpath TO samples_1m_local AS SELECT tenant, fingerprint, value FROM samples_raw_local',
    ]);
    assert.deepEqual([rewrite('ALTER TABLE samples_1h_mv MODIFY QUERY SELECT a FROM samples_raw')].flat(), ['ALTER TABLE samples_1h_mv ON CLUSTER hotpath MODIFY QUERY SELECT a FROM samples_raw_local']);
  });

  it('alters storage on the local table and columns on both, without codecs on the Distributed one', () => {
    const out = [rewrite(`ALTER TABLE samples_raw ADD COLUMN IF NOT EXISTS retention LowCardinality(String),
      ADD COLUMN IF NOT EXISTS inserted_at SimpleAggregateFunction(max, DateTime) DEFAULT now() CODEC(Delta, ZSTD(1)),
      MODIFY ORDER BY (tenant, retention)`)].flat().map(flat);
    assert.deepEqual(out, [
      'ALTER TABLE samples_raw_local ON CLUSTER hotpath ADD COLUMN IF NOT EXISTS retention LowCardinality(String), ADD COLUMN IF NOT EXISTS inserted_at SimpleAggregateFunction(max, DateTime) DEFAULT now() CODEC(Delta, ZSTD(1)), MODIFY ORDER BY (tenant, retention)',
      'ALTER TABLE samples_raw ON CLUSTER hotpath ADD COLUMN IF NOT EXISTS retention LowCardinality(String), ADD COLUMN IF NOT EXISTS inserted_at SimpleAggregateFunction(max, DateTime) DEFAULT now()',
    ]);
    assert.deepEqual([rewrite('ALTER TABLE samples_1h MODIFY TTL bucket + 10')].flat(), ['ALTER TABLE samples_1h_local ON CLUSTER hotpath MODIFY TTL bucket + 10']);
    assert.deepEqual([rewrite('ALTER TABLE stacks MODIFY TTL last_seen + 10')].flat(), ['ALTER TABLE stacks ON CLUSTER hotpath MODIFY TTL last_seen + 10']);
  });

  it('refuses statements it has no cluster form for, and names that are not identifiers', () => {
    assert.throws(() => rewrite('INSERT INTO stacks VALUES (1)'), { message: 'cluster DDL: no cluster form for statement: INSERT INTO stacks VALUES (1)' });
    assert.throws(() => clusterRewriter({ cluster: 'a-b', database: 'x' }), { message: 'config: cluster name "a-b" must be a plain identifier' });
  });

  it('splits action lists only at top-level commas', () => {
    assert.deepEqual(splitTopLevel("ADD COLUMN a Map(String, String) DEFAULT map('x,y', ''), MODIFY ORDER BY (a, b)"), [
      "ADD COLUMN a Map(String, String) DEFAULT map('x,y', '')",
      'MODIFY ORDER BY (a, b)',
    ]);
  });

  describe('the whole schema', () => {
    let client: ClickHouseClient;
    const statements = clusterSchema(layout, tiers);
    before(() => {
      client = createClient({ connection: createChdbConnection({ path: mkdtempSync(join(tmpdir(), 'hotpath-ddl-')) }) } as Parameters<typeof createClient>[0]);
    });
    after(async () => {
      await client.close();
    });

    it('runs every statement on the cluster and leaves no unreplicated MergeTree', () => {
      assert.ok(statements.length > 20);
      for (const s of statements) {
        assert.match(s, / ON CLUSTER hotpath\b/, s);
        const engine = /ENGINE = (\w+)/.exec(s)?.[1];
        if (engine) assert.ok(engine.startsWith('Replicated') || engine === 'Distributed', s);
      }
      const distributed = statements.filter((s) => s.includes('ENGINE = Distributed')).map((s) => /TABLE IF NOT EXISTS (\w+)/.exec(s)![1]).sort();
      assert.deepEqual(distributed, ['samples_1h', 'samples_1m', 'samples_raw', 'series', 'series_labels', 'service_samples_1h', 'service_samples_1m']);
      assert.ok(statements.includes("ALTER TABLE samples_1h_local ON CLUSTER hotpath MODIFY TTL greatest(bucket, inserted_at) + multiIf(retention = 'critical', 34560000, retention = 'batch', 2592000, 7776000)"));
    });

    it('parses every statement with the ClickHouse parser', async () => {
      for (const s of statements) {
        const rs = await client.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: s }, format: 'JSONEachRow' });
        const [row] = await rs.json<{ f: string }>();
        assert.ok(row && row.f.length > 0, s);
      }
    });

    it('is what deploy/clickhouse/schema.sql holds, for the default tier settings', () => {
      const file = readFileSync(fileURLToPath(new URL('../../deploy/clickhouse/schema.sql', import.meta.url)), 'utf8');
      const fromFile = file.split('\n').filter((l) => !l.startsWith('--')).join('\n').split(/;\n/).map((s) => s.trim()).filter(Boolean);
      assert.deepEqual(fromFile, statements, 'regenerate: node --import tsx deploy/clickhouse/generate-schema.ts > deploy/clickhouse/schema.sql');
    });
  });
});
