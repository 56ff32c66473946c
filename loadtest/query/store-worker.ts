/**
 * The embedded-ClickHouse side of the query benchmark (loadtest/query-bench.ts), run as its own process: the
 * embedded engine allows one data directory per process, and Hotpath (a child process of the benchmark) must have
 * the data directory to itself while it is measured.
 *
 *   node --import tsx loadtest/query/store-worker.ts <input.json>   → progress on stderr, one JSON line on stdout
 *
 * mode `generate`: opens the store (Store.open: migrations and tier DDL, as Hotpath does), writes the synthetic
 * service (synth.ts), checks it, then measures the bare queries. mode `bare`: only the bare queries, on a data
 * directory generated before (after Hotpath has stopped).
 *
 * Bare queries per range, on the per-series table the query service's tier choice names for that range
 * (services/query/tier.ts chooseTier):
 *   (a) SELECT stack_id, sum(value) … WHERE tenant, profile_type, service, bucket range GROUP BY stack_id
 *   (b) (a) joined to `stacks` for the frames;
 *   (e) (b) over the per-service rollup of that grid (service_samples_1m, or _1h for the 1h tier): the bare query
 *       on the rows Hotpath's service-only path can read (services/query/service-rollup.ts);
 * and, to split Hotpath's time: (c) (a) plus the series filter `fingerprint IN (SELECT … FROM series …)` (the
 * per-series path's sums, services/query/stacks.ts samplesWhere), Hotpath's whole stacks query in this process
 * (mergeStacks: the SQL Hotpath runs, through the same client, without HTTP), and Hotpath's in-app steps on the
 * result (topFunctions, flameTree + JSON). (A (d) — Hotpath's SQL without a second reference to its sums — was
 * measured while that SQL had one; BENCHMARKS.md keeps those runs.) Each: `warmups` unmeasured runs, then `reps` measured ones.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../lib/config/index.ts';
import { Store } from '../../lib/store/store.ts';
import { treeJson } from '../../services/query/native-routes.ts';
import { Params, type Selection } from '../../services/query/selection.ts';
import { mergeStacks, samplesWhere } from '../../services/query/stacks.ts';
import { chooseTier } from '../../services/query/tier.ts';
import { topFunctions } from '../../services/query/top.ts';
import { flameTree } from '../../services/query/tree.ts';
import { CPU_TYPE_ID, daysOf, expectedTotalSql, insertRowsSql, podsOf, stackPool, TENANT, type SynthShape } from './synth.ts';

export interface QueryRange {
  name: string;
  fromS: number;
  untilS: number;
}

export interface WorkerInput {
  mode: 'generate' | 'bare';
  dataDir: string;
  shape: SynthShape;
  /** Hours (ending at endS) written through samples_raw and its views; older hours straight into the rollups. */
  rawHours: number;
  /** OPTIMIZE … FINAL every samples table after writing. */
  optimize: boolean;
  ranges: QueryRange[];
  reps: number;
  warmups: number;
  /** flame graph node limit, as the endpoint's default. */
  maxNodes: number;
}

export interface FunctionRowJson {
  function: string;
  self: string;
  total: string;
}

export interface BareRange {
  name: string;
  tier: string;
  table: string;
  /** Expected total (ns) from the profile formula alone (synth.ts expectedTotalSql). */
  expectedTotal: string;
  profiles: number;
  /** Sum of the table's values over the range. */
  tableTotal: string;
  /** Rows the query scans (the table's rows in the range, for the service). */
  scannedRows: number;
  stacks: number;
  aMs: number[];
  bMs: number[];
  cMs: number[];
  /** (e): (b) over the per-service rollup of the tier's bucket (what a bare query on Hotpath's per-service data costs). */
  eMs: number[];
  eTable: string;
  /** The samples tables Hotpath's stacks SQL read, and their rows for the service in the range. */
  hotpathTables: string[];
  hotpathRows: number;
  hotpathSqlMs: number[];
  topJsMs: number[];
  flameJsMs: number[];
  /** From (b), computed here without Hotpath's code: the top 20 by self, the first-level frames' totals. */
  top: FunctionRowJson[];
  roots: Record<string, string>;
  bTotal: string;
}

export interface Generation {
  seconds: Record<string, number>;
  tables: { table: string; rows: number; parts: number; bytes: number }[];
  stacksPerProfile: { min: number; p50: number; p99: number; max: number; mean: number };
  maxStacksPer1mBucket: number;
  maxStacks1m: number;
  rawFromS: number;
  equivalence: { tier: string; rows: number; differing: number }[];
  tierTotals: { table: string; fromS: number; untilS: number; total: string; expected: string }[];
  poolDepth: { mean: number; max: number; functions: number };
}

export interface WorkerOutput {
  generation?: Generation;
  ranges: BareRange[];
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as WorkerInput;
const log = (msg: string) => process.stderr.write(`[store-worker ${input.mode}] ${msg}\n`);
const config = loadConfig({ HOTPATH_DATA_DIR: input.dataDir, HOTPATH_LOG_LEVEL: 'warn' });
const store = await Store.open(config);
const shape = input.shape;
const pool = stackPool(shape.stackCount, shape.seed);
const pods = podsOf(shape);
const params = { tenant: TENANT, pt: CPU_TYPE_ID, service: shape.service, ids: pool.map((s) => BigInt(s.id)), fps: pods.map((p) => BigInt(p.fingerprint)) };
const startS = shape.endS - shape.hours * 3600;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

async function generate(): Promise<Generation> {
  const seconds: Record<string, number> = {};
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const [, ms] = await timed(fn);
    seconds[name] = (seconds[name] ?? 0) + ms / 1000;
  };
  const rawFromS = Math.max(startS, shape.endS - input.rawHours * 3600);
  if (rawFromS % 3600 !== 0 || startS % 3600 !== 0) throw new Error('endS and the raw window must be whole hours');

  // Stacks first, then series, then samples: the aggregator's order (writer.ts).
  await step('stacks + series', async () => {
    await store.insertRows('stacks', pool.map((s) => ({ tenant: TENANT, stack_id: s.id, frames: s.frames, last_seen: shape.endS })));
    const series = daysOf(startS, shape.endS).flatMap((day) =>
      pods.map((p) => ({ tenant: TENANT, profile_type: CPU_TYPE_ID, fingerprint: p.fingerprint, day, service: shape.service, labels: p.labels, retention: 'standard' })),
    );
    await store.insertRows('series', series);
  });

  // Hours no measured query reads raw: their rollup rows directly (already summed: one row per key).
  const direct = { optimize_on_insert: 0 } as const;
  for (let h = startS; h < rawFromS; h += 3600) {
    await step('samples_1m direct', () => store.client.command({ query: insertRowsSql(shape, 'samples_1m', 60, h, h + 3600), query_params: params, clickhouse_settings: direct }));
    await step('samples_1h direct', () => store.client.command({ query: insertRowsSql(shape, 'samples_1h', 3600, h, h + 3600), query_params: params, clickhouse_settings: direct }));
    // The per-service rollups as their views would have made them: the same rows summed over the series.
    for (const tier of ['samples_1m', 'samples_1h'] as const) {
      await step(`service_${tier} direct`, () => store.client.command({ query: serviceRollupFromSql(`service_${tier}`, tier, h, h + 3600), clickhouse_settings: direct }));
    }
    log(`rollups written up to ${new Date((h + 3600) * 1000).toISOString()}`);
  }
  // The raw window: through samples_raw and the rollup views, with default insert settings (the aggregator's).
  for (let h = rawFromS; h < shape.endS; h += 3600) {
    await step('samples_raw (+ views)', () => store.client.command({ query: insertRowsSql(shape, 'samples_raw', shape.bucketSeconds, h, Math.min(h + 3600, shape.endS)), query_params: params }));
    log(`raw written up to ${new Date(Math.min(h + 3600, shape.endS) * 1000).toISOString()}`);
  }

  /** Per-service rows made from a per-series rollup's rows of [fromS, untilS). */
  function serviceRollupFromSql(into: string, from: string, fromS: number, untilS: number): string {
    return `INSERT INTO ${into} (tenant, profile_type, service, bucket, stack_id, retention, value)
      SELECT tenant, profile_type, service, bucket, stack_id, retention, sum(value) FROM ${from}
      WHERE bucket >= toDateTime(${fromS}) AND bucket < toDateTime(${untilS}) GROUP BY tenant, profile_type, service, bucket, stack_id, retention`;
  }

  // Direct rollup rows == the views' rows, checked on the first raw hour.
  const equivalence: Generation['equivalence'] = [];
  await step('equivalence check', async () => {
    const db = config.clickhouse.database;
    await store.command('CREATE DATABASE IF NOT EXISTS qbench_check');
    for (const [tier, bucket] of [['samples_1m', 60], ['samples_1h', 3600]] as const) {
      await store.command(`DROP TABLE IF EXISTS qbench_check.${tier}`);
      await store.command(`CREATE TABLE qbench_check.${tier} AS ${db}.${tier}`);
      const h = rawFromS;
      await store.client.command({ query: insertRowsSql(shape, `qbench_check.${tier}`, bucket, h, h + 3600), query_params: params });
      const w = `bucket >= toDateTime(${h}) AND bucket < toDateTime(${h + 3600})`;
      const sums = (t: string) => `SELECT fingerprint, bucket, stack_id, sum(value) AS v FROM ${t} WHERE ${w} GROUP BY fingerprint, bucket, stack_id`;
      const [r] = await store.select<{ n: string; diff: string }>(
        `SELECT count() AS n, countIf(x.v != y.v) AS diff FROM (${sums(`${db}.${tier}`)}) AS x FULL OUTER JOIN (${sums(`qbench_check.${tier}`)}) AS y USING (fingerprint, bucket, stack_id)`,
      );
      equivalence.push({ tier, rows: Number(r!.n), differing: Number(r!.diff) });
      await store.command(`DROP TABLE qbench_check.${tier}`);
    }
    for (const tier of ['samples_1m', 'samples_1h'] as const) {
      const perService = `service_${tier}`;
      await store.command(`DROP TABLE IF EXISTS qbench_check.${perService}`);
      await store.command(`CREATE TABLE qbench_check.${perService} AS ${db}.${perService}`);
      const h = rawFromS;
      await store.command(serviceRollupFromSql(`qbench_check.${perService}`, `${db}.${tier}`, h, h + 3600));
      const w = `bucket >= toDateTime(${h}) AND bucket < toDateTime(${h + 3600})`;
      const sums = (t: string) => `SELECT service, bucket, stack_id, sum(value) AS v FROM ${t} WHERE ${w} GROUP BY service, bucket, stack_id`;
      const [r] = await store.select<{ n: string; diff: string }>(
        `SELECT count() AS n, countIf(x.v != y.v) AS diff FROM (${sums(`${db}.${perService}`)}) AS x FULL OUTER JOIN (${sums(`qbench_check.${perService}`)}) AS y USING (service, bucket, stack_id)`,
      );
      equivalence.push({ tier: perService, rows: Number(r!.n), differing: Number(r!.diff) });
      await store.command(`DROP TABLE qbench_check.${perService}`);
    }
    await store.command('DROP DATABASE qbench_check');
  });

  if (input.optimize) {
    for (const t of ['samples_raw', 'samples_1m', 'samples_1h', 'service_samples_1m', 'service_samples_1h', 'stacks', 'series', 'series_labels']) await step(`OPTIMIZE ${t} FINAL`, () => store.command(`OPTIMIZE TABLE ${t} FINAL`));
  }

  const tables = (
    await store.select<{ table: string; rows: string; parts: string; bytes: string }>(
      `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts
       WHERE active AND database = currentDatabase() AND table IN ('samples_raw', 'samples_1m', 'samples_1h', 'service_samples_1m', 'service_samples_1h', 'stacks', 'series', 'series_labels')
       GROUP BY table ORDER BY table`,
    )
  ).map((r) => ({ table: r.table, rows: Number(r.rows), parts: Number(r.parts), bytes: Number(r.bytes) }));
  const [spp] = await store.select<{ q: number[]; mean: number }>(
    'SELECT quantiles(0, 0.5, 0.99, 1)(n) AS q, avg(n) AS mean FROM (SELECT count() AS n FROM samples_raw GROUP BY fingerprint, bucket)',
  );
  const [m1] = await store.select<{ m: string }>('SELECT max(n) AS m FROM (SELECT fingerprint, bucket, uniqExact(stack_id) AS n FROM samples_1m GROUP BY fingerprint, bucket)');
  const tierTotals: Generation['tierTotals'] = [];
  for (const [table, fromS] of [['samples_raw', rawFromS], ['samples_1m', startS], ['samples_1h', startS], ['service_samples_1m', startS], ['service_samples_1h', startS]] as const) {
    const [got] = await store.select<{ v: string }>(`SELECT toString(sum(value)) AS v FROM ${table} WHERE bucket >= toDateTime(${fromS}) AND bucket < toDateTime(${shape.endS})`);
    const [exp] = await store.select<{ total: string }>(expectedTotalSql(shape, fromS, shape.endS));
    tierTotals.push({ table, fromS, untilS: shape.endS, total: got!.v, expected: exp!.total });
  }
  return {
    seconds,
    tables,
    stacksPerProfile: { min: spp!.q[0]!, p50: spp!.q[1]!, p99: spp!.q[2]!, max: spp!.q[3]!, mean: spp!.mean },
    maxStacksPer1mBucket: Number(m1!.m),
    maxStacks1m: config.tiers.rollups.find((r) => r.name === '1m')!.maxStacks,
    rawFromS,
    equivalence,
    tierTotals,
    poolDepth: {
      mean: pool.reduce((n, s) => n + s.frames.length, 0) / pool.length,
      max: Math.max(...pool.map((s) => s.frames.length)),
      functions: new Set(pool.flatMap((s) => s.frames)).size,
    },
  };
}

/** Top 20 by self and first-level totals from summed stacks, written here rather than borrowed from services/query. */
function independentTop(rows: { frames: string[]; value: string }[]): { top: FunctionRowJson[]; roots: Record<string, string>; total: bigint } {
  const self = new Map<string, bigint>();
  const total = new Map<string, bigint>();
  const roots = new Map<string, bigint>();
  let sum = 0n;
  for (const r of rows) {
    const v = BigInt(r.value);
    sum += v;
    const leaf = r.frames[r.frames.length - 1]!;
    self.set(leaf, (self.get(leaf) ?? 0n) + v);
    for (const f of new Set(r.frames)) total.set(f, (total.get(f) ?? 0n) + v);
    roots.set(r.frames[0]!, (roots.get(r.frames[0]!) ?? 0n) + v);
  }
  const top = [...total.keys()]
    .map((f) => ({ function: f, self: self.get(f) ?? 0n, total: total.get(f)! }))
    .sort((a, b) => (a.self !== b.self ? (a.self > b.self ? -1 : 1) : a.function < b.function ? -1 : a.function > b.function ? 1 : 0))
    .slice(0, 20)
    .map((r) => ({ function: r.function, self: String(r.self), total: String(r.total) }));
  return { top, roots: Object.fromEntries([...roots].map(([k, v]) => [k, String(v)])), total: sum };
}

async function bare(range: QueryRange): Promise<BareRange> {
  const sel: Selection = { tenant: TENANT, profileTypeId: CPU_TYPE_ID, matchers: [{ name: 'service_name', op: '=', value: shape.service }], fromMs: range.fromS * 1000, untilMs: range.untilS * 1000 };
  const tier = chooseTier(store.tiers, config.bucketSeconds, sel);
  const qp = { tenant: TENANT, pt: CPU_TYPE_ID, service: shape.service, from: range.fromS, until: range.untilS };
  const aSql = `SELECT stack_id, sum(value) AS v FROM ${tier.table}
    WHERE tenant = {tenant:String} AND profile_type = {pt:String} AND service = {service:String}
      AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({until:UInt32})
    GROUP BY stack_id HAVING v != 0`;
  const bSql = `SELECT st.frames AS frames, toString(sums.v) AS value FROM (${aSql}) AS sums
    INNER JOIN (SELECT stack_id, frames FROM stacks WHERE tenant = {tenant:String}) AS st USING stack_id`;
  // (e): (b) over the per-service rollup whose bucket the tier's grid rounds to (samples_1m's for raw and 1m).
  const eTable = tier.name === '1h' ? 'service_samples_1h' : 'service_samples_1m';
  const eSql = bSql.replace(`FROM ${tier.table}`, `FROM ${eTable}`);
  const cParams = new Params();
  const cSql = `SELECT stack_id, sum(value) AS v FROM ${tier.table} WHERE ${samplesWhere(sel, tier, cParams)} GROUP BY stack_id HAVING v != 0`;
  const q = async <T>(sql: string, params: Record<string, unknown> = qp) => (await store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<T>();
  const measure = async <T>(fn: () => Promise<T>): Promise<[T, number[]]> => {
    let last!: T;
    for (let i = 0; i < input.warmups; i++) last = await fn();
    const ms: number[] = [];
    for (let i = 0; i < input.reps; i++) {
      const [r, t] = await timed(fn);
      last = r;
      ms.push(t);
    }
    return [last, ms];
  };
  log(`${range.name}: tier ${tier.name} (${tier.table})`);
  const [aRows, aMs] = await measure(() => q<{ stack_id: string; v: string }>(aSql));
  const [bRows, bMs] = await measure(() => q<{ frames: string[]; value: string }>(bSql));
  const [cRows, cMs] = await measure(() => q<{ stack_id: string; v: string }>(cSql, cParams.values));
  const [eRows, eMs] = await measure(() => q<{ frames: string[]; value: string }>(eSql));
  const [merged, hotpathSqlMs] = await measure(() => mergeStacks(store, sel, config.bucketSeconds));
  // Hotpath's sums SQL (its first select; the frames lookups follow), for the tables it reads.
  let sumsSql: string | undefined;
  const capturing = new Proxy(store, {
    get: (target, prop, receiver) =>
      prop === 'select'
        ? (sql: string, params: Record<string, unknown> = {}) => {
            sumsSql ??= sql;
            return target.select(sql, params);
          }
        : Reflect.get(target, prop, receiver),
  });
  await mergeStacks(capturing, sel, config.bucketSeconds);
  if (merged.tier.table !== tier.table) throw new Error(`mergeStacks read ${merged.tier.table}, chooseTier said ${tier.table}`);
  const [, topJsMs] = await measure(async () => JSON.stringify(topFunctions(merged.stacks, 'self', 20).map((r) => ({ function: r.function, self: String(r.self), total: String(r.total) }))));
  const [, flameJsMs] = await measure(async () => JSON.stringify(treeJson(flameTree(merged.stacks, input.maxNodes))));
  log(`${range.name}: a p50 ${median(aMs).toFixed(0)} ms, b p50 ${median(bMs).toFixed(0)} ms, c p50 ${median(cMs).toFixed(0)} ms, Hotpath SQL p50 ${median(hotpathSqlMs).toFixed(0)} ms`);
  const ind = independentTop(bRows);
  const [exp] = await store.select<{ total: string; profiles: string }>(expectedTotalSql(shape, range.fromS, range.untilS));
  const [tt] = await store.select<{ v: string; n: string }>(
    `SELECT toString(sum(value)) AS v, count() AS n FROM ${tier.table} WHERE tenant = {tenant:String} AND profile_type = {pt:String} AND service = {service:String}
       AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({until:UInt32})`,
    qp,
  );
  const aTotal = aRows.reduce((s, r) => s + BigInt(r.v), 0n);
  const eTotal = eRows.reduce((s, r) => s + BigInt(r.value), 0n);
  if (eTotal !== ind.total) throw new Error(`${range.name}: (e) over ${eTable} sums to ${eTotal}, (b) to ${ind.total}`);
  const hotpathTables = [...new Set([...(sumsSql ?? '').matchAll(/FROM (\w+) WHERE/g)].map((m) => m[1]!))];
  let hotpathRows = 0;
  for (const t of hotpathTables) {
    const [n] = await store.select<{ n: string }>(
      `SELECT toString(count()) AS n FROM ${t} WHERE tenant = {tenant:String} AND profile_type = {pt:String} AND service = {service:String}
         AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({until:UInt32})`,
      qp,
    );
    hotpathRows += Number(n!.n);
  }
  const cTotal = cRows.reduce((s, r) => s + BigInt(r.v), 0n);
  if (aTotal !== ind.total || cTotal !== ind.total || merged.total !== ind.total) {
    throw new Error(`${range.name}: totals differ: (a) ${aTotal}, (b) ${ind.total}, (c) ${cTotal}, mergeStacks ${merged.total}`);
  }
  return {
    name: range.name,
    tier: tier.name,
    table: tier.table,
    expectedTotal: exp!.total,
    profiles: Number(exp!.profiles),
    tableTotal: tt!.v,
    scannedRows: Number(tt!.n),
    stacks: aRows.length,
    aMs,
    bMs,
    cMs,
    eMs,
    eTable,
    hotpathTables,
    hotpathRows,
    hotpathSqlMs,
    topJsMs,
    flameJsMs,
    top: ind.top,
    roots: ind.roots,
    bTotal: String(ind.total),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const out: WorkerOutput = { ranges: [] };
if (input.mode === 'generate') out.generation = await generate();
for (const r of input.ranges) out.ranges.push(await bare(r));
await store.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
