/**
 * Bytes on disk of the store's live data: the active parts per table (system.parts), read after the server has
 * stopped. The data directory's size alone overstates it right after a run: parts that merges have replaced stay on
 * disk until ClickHouse deletes them (old_parts_lifetime, 8 minutes by default), several times the live bytes.
 *
 * The embedded engine takes one data directory per process, so the reading runs in a child process:
 *   node --import tsx loadtest/fleet/active-parts.ts <clickhouse dir> <database>   → one JSON line
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TableBytes {
  table: string;
  parts: number;
  rows: number;
  bytes: number;
}

const SELF = fileURLToPath(import.meta.url);

export function activePartBytes(chDir: string, database: string): TableBytes[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, chDir, database], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as TableBytes[];
}

if (process.argv[1] === SELF) {
  const [chDir, database] = process.argv.slice(2);
  const { createClient } = await import('@clickhouse/client');
  const { createChdbConnection } = await import('chdb/connection');
  const client = createClient({ connection: createChdbConnection({ path: chDir! }) } as Parameters<typeof createClient>[0]);
  const rs = await client.query({
    query: `SELECT table, toUInt32(count()) AS parts, toUInt64(sum(rows)) AS rows, toUInt64(sum(bytes_on_disk)) AS bytes
            FROM system.parts WHERE active AND database = {db:String} GROUP BY table ORDER BY bytes DESC`,
    query_params: { db: database },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  process.stdout.write(`${JSON.stringify(await rs.json<TableBytes>())}\n`);
  await client.close();
}
