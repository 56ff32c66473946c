/**
 * Cluster DDL: the single-node migrations (schemas/clickhouse/) and tier statements (tiers-ddl.ts) rewritten for
 * a ClickHouse cluster named by HOTPATH_CLICKHOUSE_CLUSTER, so one set of DDL files serves both forms.
 *
 * - Every statement runs `ON CLUSTER`, and every *MergeTree engine becomes its Replicated* form.
 * - Sample tables, series and their label index are sharded by series fingerprint: each becomes `<name>_local`
 *   (replicated within its shard) plus a Distributed table `<name>` over them, so the application reads and writes
 *   the same names as on one node. The same sharding key for samples and series puts a series' samples and its
 *   labels on one shard: the `fingerprint IN (SELECT … FROM series)` filters then run shard-locally
 *   (distributed_product_mode = 'local', lib/store/client.ts) instead of broadcasting the series set.
 * - Everything else (stacks, settings, keys, migrations, …) is replicated to every node of the cluster: small or
 *   read with every query (stacks are joined to the summed samples), so each node answers from its own copy.
 * - Materialized views sit on the local tables: an insert into a Distributed table reaches each shard's local
 *   table, which feeds that shard's rollups.
 * - Block deduplication (repeated insert tokens) uses the replicated window instead of the non-replicated one.
 *
 * A statement of a kind this file does not know is refused rather than passed on unreplicated.
 */
import type { TiersConfig } from '../config/tiers.ts';
import { loadMigrations, SCHEMA_MIGRATIONS_DDL, type StatementRewriter } from './migrations.ts';
import { tierStatements } from './tiers-ddl.ts';

/** Tables sharded across the cluster, with their sharding key. */
export const SHARDED_TABLES: Readonly<Record<string, string>> = {
  samples_raw: 'fingerprint',
  samples_1m: 'fingerprint',
  samples_1h: 'fingerprint',
  series: 'fingerprint',
  series_labels: 'fingerprint',
  // Fed by each shard's own view from its samples_raw rows: a service's sums are spread over the shards and summed
  // again by the Distributed read. The key only routes direct inserts, which nothing makes.
  service_samples_1m: 'cityHash64(service)',
  service_samples_1h: 'cityHash64(service)',
};

export interface ClusterLayout {
  cluster: string;
  database: string;
}

export const localName = (table: string): string => `${table}_local`;

const IDENT = /^[A-Za-z_]\w*$/;

/** Column changes are also made on the Distributed table (it has the same columns); the rest concern storage only. */
const COLUMN_ACTION = /^(ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b/i;

/** Splits `a, b(c, d), 'e,f'` at its top-level commas. */
export function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '`' || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(list.slice(start).trim());
  return out.filter(Boolean);
}

export function clusterRewriter(layout: ClusterLayout): StatementRewriter {
  const { cluster, database } = layout;
  if (!IDENT.test(cluster)) throw new Error(`config: cluster name ${JSON.stringify(cluster)} must be a plain identifier`);
  if (!IDENT.test(database)) throw new Error(`config: database name ${JSON.stringify(database)} must be a plain identifier`);
  const on = `ON CLUSTER ${cluster}`;
  const sharded = (t: string) => Object.hasOwn(SHARDED_TABLES, t);
  const stored = (t: string) => (sharded(t) ? localName(t) : t);
  /** A view's query reads the local tables of its shard. */
  const localQuery = (select: string) => select.replace(/\b(FROM|JOIN)(\s+)(\w+)\b/gi, (_m, kw: string, sp: string, t: string) => `${kw}${sp}${stored(t)}`);

  const replicatedEngine = (table: string, engine: string, args: string | undefined): string => {
    const path = `/clickhouse/tables/${sharded(table) ? '{shard}' : 'all'}/${database}/${stored(table)}`;
    const rest = args?.trim() ? `, ${args.trim()}` : '';
    return `ENGINE = Replicated${engine}('${path}', '{replica}'${rest})`;
  };

  const createTable = (ifNotExists: string, table: string, body: string): string[] => {
    const engine = /ENGINE\s*=\s*(\w+)(?:\s*\(([^()]*)\))?/i.exec(body);
    if (!engine) throw new Error(`cluster DDL: CREATE TABLE ${table} names no engine`);
    let name = engine[1]!;
    let newBody = body;
    if (/MergeTree$/.test(name) && !name.startsWith('Replicated')) {
      newBody = body.replace(engine[0], replicatedEngine(table, name, engine[2]));
      newBody = newBody.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
      name = `Replicated${name}`;
    }
    if (!sharded(table)) return [`CREATE TABLE ${ifNotExists}${table} ${on} ${newBody}`];
    const local = localName(table);
    return [
      `CREATE TABLE ${ifNotExists}${local} ${on} ${newBody}`,
      `CREATE TABLE ${ifNotExists}${table} ${on} AS ${local} ENGINE = Distributed(${cluster}, ${database}, ${local}, ${SHARDED_TABLES[table]})`,
    ];
  };

  const alterTable = (table: string, actions: string): string[] => {
    if (/^MODIFY\s+QUERY\b/i.test(actions)) return [`ALTER TABLE ${table} ${on} ${localQuery(actions)}`];
    if (!sharded(table)) return [`ALTER TABLE ${table} ${on} ${actions}`];
    const out = [`ALTER TABLE ${localName(table)} ${on} ${actions}`];
    // A Distributed table stores nothing: it takes the columns without their codecs.
    const columnActions = splitTopLevel(actions)
      .filter((a) => COLUMN_ACTION.test(a))
      .map((a) => a.replace(/\s+CODEC\((?:[^()]|\([^()]*\))*\)/gi, ''));
    if (columnActions.length > 0) out.push(`ALTER TABLE ${table} ${on} ${columnActions.join(', ')}`);
    return out;
  };

  return (statement: string): string[] => {
    const s = statement.trim();
    let m = /^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s+([\s\S]*)$/i.exec(s);
    if (m) return createTable(m[1] ? 'IF NOT EXISTS ' : '', m[2]!, m[3]!);
    m = /^CREATE\s+MATERIALIZED\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s+TO\s+(\w+)\s+AS\s+([\s\S]*)$/i.exec(s);
    if (m) return [`CREATE MATERIALIZED VIEW ${m[1] ? 'IF NOT EXISTS ' : ''}${m[2]} ${on} TO ${stored(m[3]!)} AS ${localQuery(m[4]!)}`];
    m = /^ALTER\s+TABLE\s+(\w+)\s+([\s\S]*)$/i.exec(s);
    if (m) return alterTable(m[1]!, m[2]!);
    m = /^DROP\s+(TABLE|VIEW)\s+(IF\s+EXISTS\s+)?(\w+)\s*$/i.exec(s);
    if (m) {
      const drop = (t: string) => `DROP ${m![1]!.toUpperCase()} ${m![2] ? 'IF EXISTS ' : ''}${t} ${on} SYNC`;
      return sharded(m[3]!) ? [drop(m[3]!), drop(localName(m[3]!))] : [drop(m[3]!)];
    }
    throw new Error(`cluster DDL: no cluster form for statement: ${s.slice(0, 120)}`);
  };
}

/**
 * The whole cluster schema, in the order Store.open applies it: database, migrations, tier statements. What
 * deploy/clickhouse/schema.sql holds (deploy/clickhouse/generate-schema.ts), for review or to apply by hand.
 */
export function clusterSchema(layout: ClusterLayout, tiers: TiersConfig, dir?: string): string[] {
  const rewrite = clusterRewriter(layout);
  const out = [`CREATE DATABASE IF NOT EXISTS ${layout.database} ON CLUSTER ${layout.cluster}`];
  const add = (s: string) => out.push(...[rewrite(s)].flat());
  add(SCHEMA_MIGRATIONS_DDL);
  for (const m of loadMigrations(dir)) m.statements.forEach(add);
  tierStatements(tiers).forEach((s) => add(s.sql));
  return out;
}
