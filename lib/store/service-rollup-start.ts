/**
 * When the per-service rollups (schemas/clickhouse/008_service_rollups.sql) started to hold everything.
 *
 * Their views only see inserts made after they were created, so on a store that already held samples they are
 * incomplete for the past. Recorded once, by the first process to open the store after the migration:
 * - no samples yet (a new store): the epoch — the per-service tables hold every sample there will be;
 * - otherwise: the start of the hour after every bucket already stored and after the next hour, so that no
 *   sample written before the views existed (in-flight inserts, timestamps ahead of the clock) falls at or after
 *   it. Buckets before it are read from the per-series tiers only (services/query/service-rollup.ts).
 * Two processes opening a store at once may both record; readers take the latest `since`, which is the safe one.
 * In a rolling upgrade, aggregators still on an earlier release write raw rows without `version` (read as ''):
 * until they are replaced, a query naming a version may miss their rows; one naming only the service does not.
 */
import type { ClickHouseClient } from '@clickhouse/client';

export async function recordServiceRollupStart(client: ClickHouseClient): Promise<void> {
  // Asked first, apart: the statement below evaluates its scalar subqueries (the samples tables' counts and latest
  // buckets) whatever its WHERE says, and every start after the first would pay for them.
  const rs = await client.query({ query: 'SELECT toUInt64(count()) AS n FROM service_rollup_start', format: 'JSONEachRow' });
  const [recorded] = await rs.json<{ n: number | string }>();
  if (Number(recorded?.n) > 0) return;
  // The WHERE stays: two processes opening a new store at once both get here.
  await client.command({
    query: `INSERT INTO service_rollup_start (since)
      SELECT if((SELECT count() FROM samples_raw) = 0 AND (SELECT count() FROM samples_1h) = 0,
                toDateTime(0),
                toStartOfHour(greatest(now() + 3600, (SELECT max(bucket) FROM samples_raw), (SELECT max(bucket) FROM samples_1h))) + 3600)
      WHERE (SELECT count() FROM service_rollup_start) = 0`,
  });
}

/** Seconds since the epoch from which the per-service tables are complete; undefined when none is recorded. */
export async function readServiceRollupStart(store: { select<T>(query: string): Promise<T[]> }): Promise<number | undefined> {
  const [row] = await store.select<{ since: number | string; n: number | string }>('SELECT toUInt32(max(since)) AS since, count() AS n FROM service_rollup_start');
  return row && Number(row.n) > 0 ? Number(row.since) : undefined;
}
