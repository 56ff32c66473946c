/**
 * Bulk inserts into the embedded engine through a staged file. chdb takes an insert's data inline, after the
 * statement text, and parses it there at ~25 MB/s; the same bytes read by the `file()` table function go through
 * the engine's regular (parallel) input path at ~250 MB/s — measured on this machine kind: 353 600 sample rows
 * (18 MB of TabSeparated) into a Null table, 650–900 ms inline vs 65–90 ms staged (loadtest/store-write-bench.ts
 * prices the whole insert). With a ClickHouse server the client streams over HTTP and none of this applies: the
 * store uses staging only for the embedded engine.
 *
 * The file is written and removed synchronously: an awaited fs call resumes only in a later turn of the event loop,
 * and under ingest load a turn lasts tens of milliseconds (it handles hundreds of requests). The aggregator's
 * write cycle, which every request waits for (group commit), paid two such turns per staged insert; writing ~1 MB
 * to the page cache costs well under a millisecond. Measured in the fleet benchmark (BENCHMARKS.md, "Ingest, sixth
 * pass"): over five alternating pairs, samples_raw inserts 220–251 → 168–199 ms and 1 782 → 2 056 profiles/s (means).
 *
 * Exactly-once: an `INSERT … SELECT` is deduplicated per block (the token plus the block's index), and the blocks
 * a SELECT yields depend on how the reader happened to chunk the file. The settings below squash the whole insert
 * into one block, so a repeat of the same batch with the same token is dropped however it is read.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { InsertSettings } from './store.ts';

/** One block per insert, whatever the size (see above); the batch is already in memory on our side. */
const ONE_BLOCK = {
  min_insert_block_size_rows: '1000000000000',
  min_insert_block_size_bytes: '1000000000000',
  max_insert_threads: '1',
} as const;

/** A ClickHouse string literal (single quotes, backslash escapes). */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export class StagedInserts {
  private readonly dir: string;
  /** Column types per table, read once from system.columns: file() needs the structure of what it reads. */
  private readonly types = new Map<string, Map<string, string>>();

  constructor(
    private readonly client: ClickHouseClient,
    dir: string,
  ) {
    this.dir = resolve(dir);
    // Files left by a crash mid-insert: their batch is retried from the bus, never from here.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Inserts `body` (rows of `format` for `columns`) into `table`; the staged file is removed either way. */
  async insert(table: string, columns: readonly string[], format: string, body: string | Buffer, settings: InsertSettings): Promise<void> {
    const types = await this.columnTypes(table);
    const structure = columns.map((c) => {
      const t = types.get(c);
      if (!t) throw new Error(`staged insert: table ${table} has no column ${c}`);
      return `${c} ${t}`;
    });
    const path = join(this.dir, `${randomUUID()}.${format}`);
    writeFileSync(path, body);
    try {
      await this.client.command({
        query: `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM file(${literal(path)}, ${format}, ${literal(structure.join(', '))})`,
        clickhouse_settings: { ...ONE_BLOCK, ...settings },
      });
    } finally {
      try {
        unlinkSync(path);
      } catch {
        // Gone already; a file left by any failure here is removed at the next start (constructor).
      }
    }
  }

  private async columnTypes(table: string): Promise<Map<string, string>> {
    let t = this.types.get(table);
    if (!t) {
      const rs = await this.client.query({
        query: 'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String}',
        query_params: { table },
        format: 'JSONEachRow',
      });
      t = new Map((await rs.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
      if (t.size === 0) throw new Error(`staged insert: no table ${table}`);
      this.types.set(table, t);
    }
    return t;
  }
}
