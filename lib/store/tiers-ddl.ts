/**
 * The configuration-dependent part of the tier DDL (schemas/clickhouse/003_tiers.sql creates the structure): each
 * table's TTL expression from the retention TTLs, and each rollup view's query from its bucket size. Applied after
 * the migrations on every start, but only where the text differs from what was last applied (`tier_ddl_state`),
 * so changing HOTPATH_TIER_* takes effect at the next start and an unchanged configuration alters nothing.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { longestTtl, longestTtlOverall, RETENTION_TIERS, type StorageTierName, type TiersConfig } from '../config/tiers.ts';
import { DEFAULT_TIER, type TierName } from '../settings/service-settings.ts';
import type { StatementRewriter } from './migrations.ts';

/**
 * How often the aggregator rewrites a stack or a series row that is still in use (services/aggregator/writer.ts), and so
 * the slack the TTLs of stacks and series add: a row in use is at most this much older than its last use.
 */
export const REFERENCE_REFRESH_SECONDS = 86400;

export interface TierStatement {
  /** What the statement sets: one TTL per table, one query per view. */
  object: string;
  sql: string;
}

/** `multiIf(retention = 'critical', …, <default tier's>)`: seconds a row of its retention tier lives. */
function secondsByRetention(secondsOf: (tier: TierName) => number): string {
  const branches = RETENTION_TIERS.filter((t) => t !== DEFAULT_TIER).map((t) => `retention = '${t}', ${secondsOf(t)}`);
  // Rows without a known tier ('' from before migration 3) live as the default tier's rows do.
  return `multiIf(${branches.join(', ')}, ${secondsOf(DEFAULT_TIER)})`;
}

export function samplesTtl(tiers: TiersConfig, tier: StorageTierName): string {
  return `greatest(bucket, inserted_at) + ${secondsByRetention((t) => tiers.ttlSeconds[t][tier])}`;
}

/** The rollup view's query: raw rows into epoch-aligned buckets of the tier's size. */
export function rollupSelect(bucketSeconds: number): string {
  return (
    `SELECT tenant, profile_type, service, fingerprint, toDateTime(intDiv(toUInt32(bucket), ${bucketSeconds}) * ${bucketSeconds}) AS bucket, ` +
    'stack_id, retention, value, inserted_at FROM samples_raw'
  );
}

/** The per-service table of a rollup tier (schemas/clickhouse/008_service_rollups.sql). */
export const serviceRollupTable = (rollupTable: string): string => `service_${rollupTable}`;

/**
 * The per-service rollup view's query: raw rows summed over the series of a service and version, in the tier's buckets. GROUP BY
 * `bucket` is the rounded alias, not the raw column (ClickHouse resolves a SELECT alias first).
 */
export function serviceRollupSelect(bucketSeconds: number): string {
  return (
    `SELECT tenant, profile_type, service, version, toDateTime(intDiv(toUInt32(bucket), ${bucketSeconds}) * ${bucketSeconds}) AS bucket, ` +
    'stack_id, retention, sum(value) AS value, max(inserted_at) AS inserted_at FROM samples_raw ' +
    'GROUP BY tenant, profile_type, service, version, bucket, stack_id, retention'
  );
}

/** Every configuration-dependent statement, in the order they are applied. */
export function tierStatements(tiers: TiersConfig): TierStatement[] {
  const out: TierStatement[] = [];
  for (const r of tiers.rollups) {
    out.push({ object: `${r.table}_mv`, sql: `ALTER TABLE ${r.table}_mv MODIFY QUERY ${rollupSelect(r.bucketSeconds)}` });
    const perService = serviceRollupTable(r.table);
    out.push({ object: `${perService}_mv`, sql: `ALTER TABLE ${perService}_mv MODIFY QUERY ${serviceRollupSelect(r.bucketSeconds)}` });
  }
  out.push({ object: 'samples_raw', sql: `ALTER TABLE samples_raw MODIFY TTL ${samplesTtl(tiers, 'raw')}` });
  for (const r of tiers.rollups) {
    out.push({ object: r.table, sql: `ALTER TABLE ${r.table} MODIFY TTL ${samplesTtl(tiers, r.name)}` });
    // A tier's per-service rows live as long as its per-series rows: a query may read either for the same range.
    const perService = serviceRollupTable(r.table);
    out.push({ object: perService, sql: `ALTER TABLE ${perService} MODIFY TTL ${samplesTtl(tiers, r.name)}` });
  }
  // A series-day row is referenced by samples of that day (until its end) in any tier of its retention.
  const seriesEnd = 'greatest(toDateTime(day) + 86400, inserted_at)';
  out.push({ object: 'series', sql: `ALTER TABLE series MODIFY TTL ${seriesEnd} + ${secondsByRetention((t) => longestTtl(tiers, t) + REFERENCE_REFRESH_SECONDS)}` });
  const overall = longestTtlOverall(tiers) + REFERENCE_REFRESH_SECONDS;
  out.push({ object: 'series_labels', sql: `ALTER TABLE series_labels MODIFY TTL ${seriesEnd} + ${overall}` });
  // A stack is shared by every service of its tenant that has it; last_seen is its last write (aggregator).
  out.push({ object: 'stacks', sql: `ALTER TABLE stacks MODIFY TTL last_seen + ${overall}` });
  return out;
}

/**
 * Applies the statements whose text changed since they were last applied. A changed TTL is not materialized on
 * existing parts at once (that rewrites every part): merges apply it as they go, OPTIMIZE … FINAL forces it.
 */
export async function syncTierDdl(client: ClickHouseClient, tiers: TiersConfig, rewrite: StatementRewriter = (s) => s): Promise<string[]> {
  const rs = await client.query({ query: 'SELECT object, argMax(ddl, applied_at) AS ddl FROM tier_ddl_state GROUP BY object', format: 'JSONEachRow' });
  const applied = new Map((await rs.json<{ object: string; ddl: string }>()).map((r) => [r.object, r.ddl]));
  const changed: string[] = [];
  for (const s of tierStatements(tiers)) {
    if (applied.get(s.object) === s.sql) continue;
    for (const sql of [rewrite(s.sql)].flat()) {
      await client.command({ query: sql, clickhouse_settings: { materialize_ttl_after_modify: 0 } });
    }
    await client.insert({ table: 'tier_ddl_state', values: [{ object: s.object, ddl: s.sql }], format: 'JSONEachRow' });
    changed.push(s.object);
  }
  return changed;
}
