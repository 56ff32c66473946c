/**
 * Three-process benchmark (not a test): a real Kafka broker (deploy/kafka), one shared store (the ClickHouse HTTP
 * fixture over the embedded engine), `hotpath ingest` + `hotpath aggregator` + `hotpath query` as separate
 * processes. Posts one real profile file for `--seconds` at `--concurrency` and reports
 * - profiles/s answered 200 by the gateway (Kafka acknowledged, acks=all);
 * - freshness: for one probe profile per second, ms from its 200 to its total being visible in /api/v1/top (p50/p95);
 * - consumer lag: end offsets minus the group's committed offsets, sampled every 500 ms (max and mean).
 * Appends a section to BENCHMARKS.md with machine, command, date and commit.
 *
 *   node --import tsx loadtest/kafka-bench.ts [--seconds 20] [--concurrency 16] [--file go-cpu-pprof-labels.pprof] [--no-write]
 */
import { execSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startKafka } from '../deploy/kafka/broker.ts';
import { startClickHouseFixture } from '../test/helpers/clickhouse-http-fixture.ts';
import { oracleTotals, PROFILES_DIR } from '../test/helpers/pprof-oracle.ts';
import { startServer, tempDir } from '../test/helpers/server.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    file: { type: 'string', default: 'go-cpu-pprof-labels.pprof' },
    'no-write': { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const body = readFileSync(PROFILES_DIR + args.file!);
// The probe checks the CPU total of the file (a Go CPU profile by default), as the independent decoder sums it.
const cpuWant = oracleTotals(body).find((t) => t.type === 'cpu' && t.unit === 'nanoseconds');
if (!cpuWant) throw new Error(`${args.file} has no cpu/nanoseconds sample type`);
const TOPIC = 'hotpath.bench';
const GROUP = 'hotpath-bench';

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = tempDir('hotpath-kafka-bench-');
const [broker, store] = await Promise.all([startKafka(), startClickHouseFixture(join(dir, 'clickhouse'))]);
const env = {
  HOTPATH_CLICKHOUSE_URL: store.url,
  HOTPATH_KAFKA_BROKERS: broker.brokers.join(','),
  HOTPATH_KAFKA_TOPIC: TOPIC,
  HOTPATH_KAFKA_GROUP: GROUP,
  HOTPATH_KAFKA_PARTITIONS: '4',
  HOTPATH_FLUSH_INTERVAL_MS: '1000',
  // The bench file carries its recording time; the gateway's ingestion window is not what is measured here.
  HOTPATH_LIMIT_REJECT_OLDER_THAN_SECONDS: '0',
};
const query = await startServer({ args: ['query'], env });
const [gateway, aggregator] = await Promise.all([startServer({ args: ['ingest'], env }), startServer({ args: ['aggregator'], env })]);
const kafka = new Kafka({ brokers: broker.brokers, clientId: 'bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

const post = (service: string) => {
  const nowS = Math.floor(Date.now() / 1000);
  return fetch(`${gateway.url}/ingest?name=${service}&from=${nowS - 10}&until=${nowS}&format=pprof`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
};

async function visibleTotal(service: string): Promise<number> {
  const q = encodeURIComponent(`process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="${service}"}`);
  const res = await fetch(`${query.url}/api/v1/top?query=${q}&from=1&until=now&limit=1`);
  return res.status === 200 ? Number(((await res.json()) as { total: number }).total) : -1;
}

let ok = 0;
/** Probes not visible with their exact total within 30 s (reported, never averaged in). */
let notVisible = 0;
let failed = 0;
const lags: number[] = [];
const freshness: number[] = [];
const end = Date.now() + seconds * 1000;
let seq = 0;
const workers = Array.from({ length: concurrency }, async (_, w) => {
  while (Date.now() < end) {
    const res = await post(`bench-${w % 8}-${seq++ % 32}`);
    await res.arrayBuffer();
    if (res.status === 200) ok++;
    else failed++;
  }
});
const lagSampler = (async () => {
  while (Date.now() < end + 5000) {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(TOPIC), admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })]);
    const done = new Map(committed[0].partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    lags.push(ends.reduce((s, p) => s + Number(p.high) - (done.get(p.partition) ?? 0), 0));
    await sleep(500);
  }
})();
const prober = (async () => {
  for (let i = 0; Date.now() < end; i++) {
    const service = `probe-${i}`;
    const res = await post(service);
    await res.arrayBuffer();
    if (res.status !== 200) continue;
    const acked = performance.now();
    const want = Number(cpuWant.total);
    let seen = false;
    while (!(seen = (await visibleTotal(service)) === want) && performance.now() - acked < 30_000) await sleep(25);
    if (seen) freshness.push(performance.now() - acked);
    else notVisible++;
    await sleep(1000);
  }
})();
const t0 = Date.now();
await Promise.all(workers);
const elapsed = (Date.now() - t0) / 1000;
await Promise.all([lagSampler, prober]);
await admin.disconnect();
await Promise.all([gateway.stop(), aggregator.stop(), query.stop()]);
await broker.destroy();
await store.stop();

freshness.sort((a, b) => a - b);
const mean = lags.reduce((s, l) => s + l, 0) / Math.max(1, lags.length);
const row = {
  profilesPerSecond: (ok / elapsed).toFixed(1),
  failed,
  freshnessP50: pct(freshness, 50).toFixed(0),
  freshnessP95: pct(freshness, 95).toFixed(0),
  probes: freshness.length,
  notVisible,
  lagMax: Math.max(0, ...lags),
  lagMean: mean.toFixed(1),
};
console.log(JSON.stringify(row));
if (!args['no-write']) {
  const commit = execSync('git rev-parse --short HEAD').toString().trim();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
  const path = new URL('../BENCHMARKS.md', import.meta.url).pathname;
  if (!existsSync(path)) writeFileSync(path, '# Benchmarks\n\nMeasured figures only; each section names machine, command, date and commit.\n');
  appendFileSync(
    path,
    `
## Three-process topology on Kafka (${new Date().toISOString().slice(0, 10)}, commit ${commit})

Machine: ${machine}. Command: \`node --import tsx loadtest/kafka-bench.ts --seconds ${seconds} --concurrency ${concurrency} --file ${args.file}\`.
One \`hotpath ingest\`, one \`hotpath aggregator\`, one \`hotpath query\` (separate processes), a single-node Kafka 3.9
broker (deploy/kafka, 4 partitions), the store served by the test fixture (embedded engine over HTTP, one query at a
time: the store is likely the bottleneck here; no ClickHouse server was measured), all on this one machine (load
average at the end of the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')}). Flush interval 1 s. Freshness has few probes
(one per second, each waited out): treat it as indicative.

| profiles/s (200) | non-200 | freshness p50 (ms, ack → visible in /top) | freshness p95 (ms) | probes seen / not seen in 30 s | consumer lag max / mean (messages) |
|---|---|---|---|---|---|
| ${row.profilesPerSecond} | ${row.failed} | ${row.freshnessP50} | ${row.freshnessP95} | ${row.probes} / ${row.notVisible} | ${row.lagMax} / ${row.lagMean} |
`,
  );
}
process.exit(0);
