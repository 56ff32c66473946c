/**
 * Storage benchmark (not a test): what a steady fleet costs on disk. A fleet of services × pods, each sending one
 * profile every `--interval` seconds for `--hours` simulated hours ending now, goes through the real write path —
 * gzip'd pprof → lib/profile (decode, normalize) → aggregator Batch → BatchWriter → the embedded ClickHouse with
 * its tiers — in batches of one interval. Then the steady state is forced (downsampling of every coarse bucket,
 * OPTIMIZE … FINAL) and bytes on disk are read from system.parts.
 *
 * Profiles are real ones (shared testdata) varied per pod and interval: each keeps a random ~80 % of its samples
 * with values jittered ±50 %, as a steady service's successive profiles differ. Prints one Markdown section for
 * BENCHMARKS.md: bytes on disk per ingested pprof sample, and as a fraction of the gzip'd pprof bytes ingested.
 *
 *   node --import tsx loadtest/storage-bench.ts [--hours 4] [--services 4] [--pods 4] [--interval 10] >> BENCHMARKS.md
 *
 * Uses a fresh temp data dir; talks to nothing else.
 */
import { execSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile, Sample } from 'pprof-format';
import { loadConfig } from '../lib/config/index.ts';
import { profilesFromPprof } from '../lib/profile/index.ts';
import { foldTier } from '../lib/store/compaction.ts';
import { Store } from '../lib/store/store.ts';
import { Batch } from '../services/aggregator/batch.ts';
import { BatchWriter } from '../services/aggregator/writer.ts';

const PROFILES = new URL('../../shared/testdata/profiles/', import.meta.url).pathname;
/** One base profile per service, cycled: CPU (Go, Java) and a 4-type Go heap profile. */
const BASES = ['go-cpu-deep-stacks.pb.gz', 'java-cpu-kafka.pb.gz', 'go-heap-4-types.pb.gz', 'go-cpu-sample-labels.pb.gz'];

const { values: args } = parseArgs({
  options: {
    hours: { type: 'string', default: '4' },
    services: { type: 'string', default: '4' },
    pods: { type: 'string', default: '4' },
    interval: { type: 'string', default: '10' },
  },
});
const hours = Number(args.hours);
const services = Number(args.services);
const pods = Number(args.pods);
const interval = Number(args.interval);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const bases = BASES.map((f) => {
  const b = readFileSync(PROFILES + f);
  const profile = Profile.decode(b[0] === 0x1f ? gunzipSync(b) : b);
  return { file: f, profile, samples: profile.sample };
});

/** A variation of a base profile: ~80 % of its samples, values jittered, stamped at `timeMs`. */
function variant(base: (typeof bases)[number], random: () => number, timeMs: number): { gz: Buffer; samples: number } {
  const p = base.profile;
  p.sample = base.samples
    .filter(() => random() < 0.8)
    .map((s) => new Sample({ locationId: s.locationId, label: s.label, value: s.value.map((v) => Math.round(Number(v) * (0.5 + random()))) }));
  p.timeNanos = BigInt(timeMs) * 1_000_000n;
  return { gz: gzipSync(p.encode()), samples: p.sample.length };
}

const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-storage-bench-'));
const config = loadConfig({ HOTPATH_DATA_DIR: dataDir, HOTPATH_LOG_LEVEL: 'warn' });
const store = await Store.open(config);
const writer = new BatchWriter(store);

const random = rng(7);
const endMs = Math.floor(Date.now() / 1000) * 1000;
const startMs = endMs - hours * 3_600_000;
let profiles = 0;
let samples = 0;
let gzBytes = 0;
let offset = 0;
const started = performance.now();
for (let t = startMs; t < endMs; t += interval * 1000) {
  const batch = new Batch(config.bucketSeconds, () => 'standard');
  for (let s = 0; s < services; s++) {
    const base = bases[s % bases.length]!;
    for (let pod = 0; pod < pods; pod++) {
      const v = variant(base, random, t + Math.floor(random() * interval * 1000));
      gzBytes += v.gz.length;
      samples += v.samples;
      profiles++;
      const labels = { service_name: `svc-${s}`, pod: `svc-${s}-${pod}`, zone: `zone-${pod % 3}` };
      for (const np of profilesFromPprof(v.gz, { tenant: 'bench', labels, timeFallbackMs: t, maxDecompressedBytes: 64 << 20 })) batch.add(np);
      batch.track('bench', 0, String(offset++));
    }
  }
  await writer.write(batch);
}
const ingestSeconds = (performance.now() - started) / 1000;

// Steady state: every coarse bucket downsampled, every part merged (TTL-free: the data is younger than any TTL).
for (const tier of config.tiers.rollups) await foldTier(store, tier, 0, 2 ** 32 - 1);
const tables = ['samples_raw', 'samples_1m', 'samples_1h', 'stacks', 'series', 'series_labels'];
for (const t of tables) await store.command(`OPTIMIZE TABLE ${t} FINAL`);
const parts = await store.select<{ table: string; bytes: string; rows: string }>(
  `SELECT table, toString(sum(bytes_on_disk)) AS bytes, toString(sum(rows)) AS rows FROM system.parts
   WHERE database = currentDatabase() AND active AND table IN {t:Array(String)} GROUP BY table`,
  { t: tables },
);
await store.close();
rmSync(dataDir, { recursive: true, force: true });

const byTable = new Map(parts.map((p) => [p.table, { bytes: Number(p.bytes), rows: Number(p.rows) }]));
const total = [...byTable.values()].reduce((a, p) => a + p.bytes, 0);
const pct = (b: number) => `${((100 * b) / gzBytes).toFixed(2)} %`;
const rev = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
const dirty = execSync('git status --porcelain', { encoding: 'utf8' }).trim() ? ' (with uncommitted changes)' : '';
const out = [
  `## Storage: bytes on disk per ingested sample (steady fleet, ${hours} simulated hours)`,
  '',
  `- date: ${new Date().toISOString()}; git ${rev}${dirty}`,
  `- machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${osType()} ${release()}; embedded ClickHouse (chdb)`,
  `- command: \`node --import tsx loadtest/storage-bench.ts --hours ${hours} --services ${services} --pods ${pods} --interval ${interval}\``,
  `- fleet: ${services} services × ${pods} pods, one profile per pod every ${interval} s (bases: ${BASES.slice(0, services).join(', ')}); default tiers (raw ${config.bucketSeconds} s, 1m K=${config.tiers.rollups[0]!.maxStacks}, 1h K=${config.tiers.rollups[1]!.maxStacks})`,
  `- ingested: ${profiles} profiles, ${samples} pprof samples, ${(gzBytes / 2 ** 20).toFixed(1)} MiB gzip'd pprof (write path ${ingestSeconds.toFixed(0)} s)`,
  '',
  '| table | rows | bytes on disk | bytes / ingested sample | of gz pprof bytes |',
  '|---|---|---|---|---|',
  ...tables.map((t) => {
    const p = byTable.get(t) ?? { bytes: 0, rows: 0 };
    return `| ${t} | ${p.rows} | ${p.bytes} | ${(p.bytes / samples).toFixed(3)} | ${pct(p.bytes)} |`;
  }),
  `| **all** | | **${total}** | **${(total / samples).toFixed(3)}** | **${pct(total)}** |`,
  '',
];
process.stdout.write(out.join('\n') + '\n');
