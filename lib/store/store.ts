/**
 * The store: one ClickHouse client (embedded or server), migrated on open, with the few calls the services need.
 * The aggregator writes through `insertRows`; the query service reads through `select`.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { HotpathConfig } from '../config/index.ts';
import type { TiersConfig } from '../config/tiers.ts';
import { createStoreClient } from './client.ts';
import { clusterRewriter } from './cluster-ddl.ts';
import { migrate } from './migrations.ts';
import { readServiceRollupStart, recordServiceRollupStart } from './service-rollup-start.ts';
import { StagedInserts } from './staged-insert.ts';
import { syncTierDdl } from './tiers-ddl.ts';

export type Row = object;

/**
 * Rows already formatted as text (e.g. TabSeparated) for `columns` of a table: for the large inserts, where one
 * object per row and its JSON encoding cost more than the insert itself. `length` is the row count.
 */
export class FormattedRows {
  constructor(
    readonly format: 'TabSeparated' | 'JSONEachRow',
    readonly columns: readonly string[],
    /** Text, or its UTF-8 bytes (the aggregator writes its biggest insert straight into a Buffer). */
    readonly body: string | Buffer,
    readonly length: number,
  ) {}
}

/**
 * Embedded engine: inserts of at least this much text are staged as a file (staged-insert.ts); smaller ones go
 * inline, where writing and removing a file would cost more than the slow inline parse saves.
 */
const STAGE_FROM_BYTES = 64 * 1024;

/** The settings an insert may carry. */
export type InsertSettings = Pick<ClickHouseSettings, 'insert_deduplication_token' | 'optimize_on_insert'>;

/**
 * For inserts into SummingMergeTree tables whose reads all sum(): no merging of equal keys inside the inserted block
 * (nor inside the blocks its materialized views derive). Equal keys across parts are summed by background merges
 * and by every query anyway, so the totals are the same. Merging on insert sorted and summed every block once more:
 * on the embedded engine, 120 inserts of 18 000 rows through samples_raw's four views cost the process 25.2–25.9 s of
 * CPU with it and 18.4–18.7 s without, merges included (loadtest/store-cpu-bench.ts; BENCHMARKS.md, "Ingest, third pass").
 */
export const SUMMED_INSERT = { optimize_on_insert: 0 } as const satisfies InsertSettings;

/** Rows as JSONEachRow text, as the client would send them; the columns are every key any row has. */
function jsonEachRow(rows: Row[]): FormattedRows {
  const columns = new Set<string>();
  const lines: string[] = [];
  for (const r of rows) {
    for (const k of Object.keys(r)) columns.add(k);
    lines.push(JSON.stringify(r));
  }
  return new FormattedRows('JSONEachRow', [...columns], `${lines.join('\n')}\n`, rows.length);
}

export class Store {
  readonly client: ClickHouseClient;
  /** The storage tiers this store was opened with (their tables, buckets and TTLs). */
  readonly tiers: TiersConfig;

  /** Embedded engine only: large inserts go through a staged file (staged-insert.ts says why). */
  private readonly staged?: StagedInserts;

  /** Once read: it never changes after it is recorded (service-rollup-start.ts). */
  private serviceRollupSince?: number;

  private constructor(client: ClickHouseClient, tiers: TiersConfig, staged?: StagedInserts) {
    this.client = client;
    this.tiers = tiers;
    this.staged = staged;
  }

  /** Opens the store, creating the database and applying pending migrations. */
  static async open(cfg: HotpathConfig): Promise<Store> {
    const db = cfg.clickhouse.database;
    if (!/^\w+$/.test(db)) throw new Error(`config: ClickHouse database name ${JSON.stringify(db)} must be a plain identifier`);
    const bootstrap = createStoreClient(cfg.clickhouse, cfg.dataDir);
    const onCluster = cfg.clickhouse.cluster ? ` ON CLUSTER ${cfg.clickhouse.cluster}` : '';
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}${onCluster}` });
    let client = bootstrap;
    if (cfg.clickhouse.url) {
      await bootstrap.close();
      client = createStoreClient(cfg.clickhouse, cfg.dataDir, db);
    } else {
      // The embedded engine is one per process: keep the connection and switch database per session.
      await bootstrap.command({ query: `USE ${db}` });
    }
    const rewrite = cfg.clickhouse.cluster ? clusterRewriter({ cluster: cfg.clickhouse.cluster, database: db }) : undefined;
    await migrate(client, { rewrite });
    await syncTierDdl(client, cfg.tiers, rewrite);
    await recordServiceRollupStart(client);
    const staged = cfg.clickhouse.url ? undefined : new StagedInserts(client, join(cfg.dataDir, 'insert-staging'));
    return new Store(client, cfg.tiers, staged);
  }

  /** The embedded engine (chdb): its data directory belongs to this process alone. */
  get embedded(): boolean {
    return this.staged !== undefined;
  }

  async select<T = Record<string, unknown>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  /**
   * Seconds since the epoch from which the per-service rollups hold every sample (service-rollup-start.ts);
   * undefined if not recorded, in which case nothing may read them.
   */
  async serviceRollupStart(): Promise<number | undefined> {
    if (this.serviceRollupSince === undefined) this.serviceRollupSince = await readServiceRollupStart(this);
    return this.serviceRollupSince;
  }

  async command(query: string, params: Record<string, unknown> = {}): Promise<void> {
    await this.client.command({ query, query_params: params });
  }

  /**
   * Inserts rows into one table. `dedupToken`, when given, makes a repeat of the same insert a no-op (the table's
   * deduplication window); the aggregator derives it from the bus offsets the rows came from. `summed` marks an
   * insert into a SummingMergeTree (and the views it feeds) whose rows need not be merged on the way in (SUMMED_INSERT).
   */
  async insertRows(table: string, rows: Row[] | FormattedRows, dedupToken?: string, summed?: typeof SUMMED_INSERT): Promise<void> {
    if (rows.length === 0) return;
    const settings: InsertSettings = { ...(dedupToken ? { insert_deduplication_token: dedupToken } : {}), ...summed };
    if (this.staged) {
      const formatted = rows instanceof FormattedRows ? rows : jsonEachRow(rows);
      if (formatted.body.length >= STAGE_FROM_BYTES) {
        await this.staged.insert(table, formatted.columns, formatted.format, formatted.body, settings);
        return;
      }
      if (!(rows instanceof FormattedRows)) {
        // Inline, without formatting the rows a second time: the client takes JSON text only as an object stream.
        // Not for TabSeparated: the statement text loses trailing whitespace, and with it a last empty field.
        await this.client.command({ query: `INSERT INTO ${table} (${formatted.columns.join(', ')}) FORMAT ${formatted.format}\n${formatted.body}`, clickhouse_settings: settings });
        return;
      }
    }
    if (rows instanceof FormattedRows) {
      await this.client.insert({
        table,
        columns: [...rows.columns] as [string, ...string[]],
        values: Readable.from([rows.body], { objectMode: false }),
        format: rows.format,
        clickhouse_settings: settings,
      });
      return;
    }
    await this.client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: settings });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
