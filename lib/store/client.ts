/**
 * The ClickHouse client factory: the embedded engine (chdb) under the data dir in single-node mode, a ClickHouse
 * server over HTTP otherwise. Both are `@clickhouse/client`, so every query and insert is the same code.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseConfig } from '../config/index.ts';

/** Settings every Hotpath session runs with. */
const SESSION_SETTINGS = {
  // A repeated insert dropped by its dedup token must not reach the rollup views either (ARCHITECTURE.md §3).
  deduplicate_blocks_in_dependent_materialized_views: 1,
  // 64-bit integers as JSON strings: totals beyond 2^53 stay exact.
  output_format_json_quote_64bit_integers: 1,
} as const;

/**
 * More settings against a cluster (lib/store/cluster-ddl.ts): an insert into a Distributed table returns once the
 * shards have it (the aggregator commits bus offsets only after that), and a subquery over a sharded table inside
 * a query over another one reads the local shard (samples and series are sharded alike, by fingerprint).
 */
const CLUSTER_SESSION_SETTINGS = {
  distributed_foreground_insert: 1,
  distributed_product_mode: 'local',
} as const;

export function createStoreClient(cfg: ClickHouseConfig, dataDir: string, database?: string): ClickHouseClient {
  if (cfg.url) {
    return createClient({
      url: cfg.url,
      username: cfg.username,
      password: cfg.password,
      database: database ?? 'default',
      clickhouse_settings: cfg.cluster ? { ...SESSION_SETTINGS, ...CLUSTER_SESSION_SETTINGS } : SESSION_SETTINGS,
      request_timeout: 120_000,
    });
  }
  const path = join(dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  return createClient({
    connection: createChdbConnection({ path }),
    database: database ?? 'default',
    clickhouse_settings: SESSION_SETTINGS,
  } as Parameters<typeof createClient>[0]);
}
