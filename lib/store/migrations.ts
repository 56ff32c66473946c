/**
 * Applies the versioned DDL files of `schemas/clickhouse/` (`NNN_name.sql`) in order and records each applied
 * version in `schema_migrations`, so starting again on the same data (or a second process against the same server)
 * applies nothing twice. Statements are separated by a `;` at the end of a line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Splits a DDL file into statements, dropping `--` comment lines. */
export function splitStatements(sql: string): string[] {
  const body = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return body
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.split('_')[0]),
      name: file.replace(/\.sql$/, ''),
      statements: splitStatements(readFileSync(`${dir}/${file}`, 'utf8')),
    }));
}

/**
 * Rewrites a statement for a cluster (lib/store/cluster-ddl.ts): one statement may become several (a replicated
 * local table and its Distributed table). Identity on a single server.
 */
export type StatementRewriter = (statement: string) => string | string[];

/** The table of applied versions, created before any migration. */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied_at DateTime DEFAULT now())
      ENGINE = ReplacingMergeTree ORDER BY version`;

async function run(client: ClickHouseClient, rewrite: StatementRewriter, statement: string): Promise<void> {
  for (const query of [rewrite(statement)].flat()) await client.command({ query });
}

export async function migrate(client: ClickHouseClient, opts: { rewrite?: StatementRewriter; dir?: string } = {}): Promise<number[]> {
  const rewrite = opts.rewrite ?? ((s: string) => s);
  await run(client, rewrite, SCHEMA_MIGRATIONS_DDL);
  const rs = await client.query({ query: 'SELECT DISTINCT version FROM schema_migrations', format: 'JSONEachRow' });
  const done = new Set((await rs.json<{ version: number | string }>()).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of loadMigrations(opts.dir)) {
    if (done.has(m.version)) continue;
    // Every statement is idempotent (IF NOT EXISTS), so a crash between a statement and the record re-applies safely.
    for (const statement of m.statements) await run(client, rewrite, statement);
    await client.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    applied.push(m.version);
  }
  return applied;
}
