/**
 * Fleet load simulator and benchmark. Starts its own Hotpath (`hotpath start` as a child process on an ephemeral
 * loopback port and a temp data dir, as the e2e tests do), runs a simulated fleet against it, checks that Hotpath's
 * totals equal what was sent, measures the baselines in the same run, and prints the table (and appends it to
 * BENCHMARKS.md with --append).
 *
 *   npm run bench                                               # quick: ≤ 2 minutes
 *   node --import tsx loadtest/fleet/fleet.ts --seconds 300 --services 20 --pods 50 --period 15 --append   # long
 *
 * Options: --services --versions --zones --pods (fleet shape; agents = their product), --period (s between an
 * agent's pushes), --seconds (run length), --max-profiles, --max-inflight, --protocol ingest|push,
 * --file (base profile in ../shared/testdata/profiles), --cpu-prof DIR (profile the server's main thread: a .cpuprofile
 * written at its exit, via cpu-prof-preload.mjs), --self-profile DIR (the server profiles itself into a second Hotpath
 * started here; its CPU top tables and flame graph over the run window go to DIR: self-profile.ts),
 * --append (append the table to BENCHMARKS.md; not with --self-profile, whose figures carry the profiler's cost).
 */
import { execSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { profilesFromPprof, type NormalizedProfile } from '../../lib/profile/index.ts';
import { readProfileFile } from '../../test/helpers/pprof-oracle.ts';
import { startServer } from '../../test/helpers/server.ts';
import { bareClickHouse, decodeRates } from './baselines.ts';
import { CPU_TYPE_ID, probeFreshness } from './freshness.ts';
import { cpuPercent, dirBytes, peakRss, sampleProc } from './proc-stats.ts';
import { activePartBytes } from './active-parts.ts';
import { agentPush, agentsOf, runFleet, type Agent } from './run.ts';
import { Sender, timeMember, type Protocol } from './sender.ts';
import { buildVariant, loadBase, type Variant } from './variants.ts';
import { captureSelfProfile, startReceiver } from './self-profile.ts';
import { queryLatencies, rangeParams, verifyTotals } from './verify.ts';

const { values: a } = parseArgs({
  options: {
    services: { type: 'string', default: '10' },
    versions: { type: 'string', default: '3' },
    zones: { type: 'string', default: '2' },
    pods: { type: 'string', default: '100' },
    period: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '40' },
    'max-profiles': { type: 'string', default: '400000' },
    // A real fleet holds one request per agent open (30 000 agents: up to 30 000 in flight); the cap is the
    // simulator's own bound. With group commit every request waits for a write cycle, so by Little's law
    // throughput ≤ in-flight / latency: 512 capped the 2026-11-25 runs near 700/s on a quiet machine.
    'max-inflight': { type: 'string', default: '2048' },
    'pod-classes': { type: 'string', default: '4' },
    generations: { type: 'string', default: '3' },
    protocol: { type: 'string', default: 'ingest' },
    file: { type: 'string', default: 'go-cpu-pprof-labels.pprof' },
    'cpu-prof': { type: 'string' },
    'self-profile': { type: 'string' },
    append: { type: 'boolean', default: false },
  },
});

const shape = {
  services: Number(a.services),
  versions: Number(a.versions),
  zones: Number(a.zones),
  pods: Number(a.pods),
  periodSeconds: Number(a.period),
  podClasses: Number(a['pod-classes']),
  generations: Number(a.generations),
  generationSeconds: Math.max(1, Number(a.seconds) / Number(a.generations)),
};
const seconds = Number(a.seconds);
if (a['self-profile'] && a.append) throw new Error('--self-profile with --append: a self-profiled run pays for the profiler and is not comparable with the table');
const protocol = a.protocol as Protocol;
if (protocol !== 'ingest' && protocol !== 'push') throw new Error(`--protocol must be ingest or push, not ${a.protocol}`);
const runId = `r${Date.now().toString(36)}`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

// 1. Variants, built once.
const baseBytes = readProfileFile(a.file!);
const base = loadBase(baseBytes);
const cpuIndex = base.sampleTypes.findIndex((t) => t.type === 'cpu');
const variants = new Map<string, Variant>();
const variantOf = (ag: Agent, generation: number): Variant => {
  const podClass = ag.pod % shape.podClasses;
  const key = `${ag.service}/${ag.version}/${podClass}/${generation}`;
  let v = variants.get(key);
  if (!v) variants.set(key, (v = buildVariant(base, { service: ag.service, version: ag.version, podClass, generation })));
  return v;
};
const agents = agentsOf(shape);
const tb = performance.now();
for (const ag of agents) for (let g = 0; g < shape.generations; g++) variantOf(ag, g);
console.log(`${variants.size} variants built in ${((performance.now() - tb) / 1000).toFixed(1)} s; ${agents.length} agents every ${shape.periodSeconds} s = ${(agents.length / shape.periodSeconds).toFixed(0)} profiles/s offered`);

// 2. Decode baselines (one core, before the run: nothing else of ours is running).
const loadBefore = load();
const decode = decodeRates(Buffer.concat([variantOf(agents[0], 0).gz, timeMember(Math.floor(Date.now() / 1000))]));
console.log(`decode-only, one core: pprof-format ${decode.pprofFormat.toFixed(0)}/s, Hotpath decoder ${decode.hotpath.toFixed(0)}/s (load ${loadBefore})`);

// 3. The server.
const env: Record<string, string> = { HOTPATH_LOG_LEVEL: 'info', HOTPATH_FLUSH_INTERVAL_MS: process.env.HOTPATH_FLUSH_INTERVAL_MS ?? '1000' };
if (a['cpu-prof']) {
  mkdirSync(a['cpu-prof'], { recursive: true });
  env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${new URL('./cpu-prof-preload.mjs', import.meta.url).pathname}`.trim();
  env.HOTPATH_FLEET_CPU_PROF_DIR = a['cpu-prof'];
}
const receiver = a['self-profile'] ? await startReceiver() : undefined;
if (receiver) Object.assign(env, receiver.env);
const server = await startServer({ env });
const pid = server.proc.pid!;
const chDir = join(server.dataDir, 'clickhouse');
const diskBefore = dirBytes(chDir);
const sender = new Sender(server.url, Number(a['max-inflight']) + 2, protocol);
console.log(`hotpath pid ${pid} at ${server.url}, data ${server.dataDir}`);

// 4. The run, with the freshness probe beside it.
const p0 = sampleProc(pid);
const selfCpu0 = process.cpuUsage();
let running = true;
const runFromS = Math.floor(Date.now() / 1000);
const freshnessP = probeFreshness(server.url, sender, runId, variantOf(agents[0], 0), cpuIndex, () => !running);
const run = await runFleet(sender, { shape, runId, seconds, maxProfiles: Number(a['max-profiles']), maxInFlight: Number(a['max-inflight']), variantOf, sampleTypes: base.sampleTypes.length });
const p1 = sampleProc(pid);
const runUntilS = Math.ceil(Date.now() / 1000);
const selfCpu = process.cpuUsage(selfCpu0);
running = false;
const fresh = await freshnessP;
const loadDuring = load();
const sent = run.sent.map((t, i) => t + fresh.sent[i]);

// 5. Totals: Hotpath's == what it answered 200 to.
const range = rangeParams(run.firstSecond - 120, Math.floor(Date.now() / 1000) + 60);
const checks = await verifyTotals(server.url, runId, base.sampleTypes, sent, range);
const exact = checks.every((c) => c.sent === c.stored);
for (const c of checks) console.log(`total ${c.type}/${c.unit}: sent ${c.sent}, Hotpath ${c.stored} ${c.sent === c.stored ? 'EQUAL' : `DIFFERENT by ${c.stored - c.sent}`}`);

// 6. Queries: one service's CPU over the run, Hotpath vs bare ClickHouse on the same rows.
const service = `fleet-${runId}-svc0`;
const qs = await queryLatencies(server.url, `${CPU_TYPE_ID}{service_name="${service}"}`, range, 20);
// Where the server's write time went (its own /metrics): seconds and count per table insert, and the flushes.
const metrics = await (await fetch(`${server.url}/metrics`)).text();
const insertSeconds = new Map<string, { sum: number; count: number }>();
for (const m of metrics.matchAll(/^hotpath_store_insert_seconds_(sum|count)\{table="([^"]+)",outcome="ok"\} (\S+)$/gm)) {
  const e = insertSeconds.get(m[2]) ?? { sum: 0, count: 0 };
  e[m[1] as 'sum' | 'count'] = Number(m[3]);
  insertSeconds.set(m[2], e);
}
const writeProfile = [...insertSeconds].map(([t, e]) => `${t} ${e.count}× avg ${((1000 * e.sum) / Math.max(1, e.count)).toFixed(0)} ms`).join(', ');
console.log(`server inserts: ${writeProfile}`);
const diskAfter = dirBytes(chDir);
const rssPeak = peakRss(pid);
await server.stop();
// The live data once the server is gone (the directory also holds parts merges replaced, not yet deleted).
const live = activePartBytes(chDir, 'hotpath');
const liveBytes = live.reduce((n, t) => n + t.bytes, 0);
console.log(`active parts: ${live.map((t) => `${t.table} ${t.parts} parts ${t.rows} rows ${t.bytes} B`).join('; ')}`);
sender.close();
if (receiver) {
  console.log(`self-profile of the server (${a['self-profile']}):\n${await captureSelfProfile(receiver.server.url, a['self-profile']!, runFromS, runUntilS)}`);
  await receiver.server.stop();
}

const normalized = new Map<string, NormalizedProfile[]>();
const svc0 = run.log.filter((l) => agents[l.agent].service === 0).slice(0, 20_000);
const svc0Profiles = svc0.map((l) => {
  const ag = agents[l.agent];
  const key = `${l.agent}/${l.generation}`;
  let ps = normalized.get(key);
  if (!ps) {
    const push = agentPush(ag, runId, variantOf(ag, l.generation).gz, l.second);
    normalized.set(key, (ps = profilesFromPprof(push.gz, { tenant: 'anonymous', labels: { service_name: push.service, ...push.labels }, timeFallbackMs: 0, maxDecompressedBytes: 64 << 20 })));
  }
  return ps.map((p) => ({ ...p, timeMs: l.second * 1000 }));
});
const perFlush = Math.max(1, Math.round(run.ok / run.seconds)); // one insert per second of traffic, as the aggregator's 1 s flush
const [fromS, untilS] = range.match(/\d+/g)!.map(Number);
const bare = bareClickHouse(svc0Profiles, perFlush, 10, { service, fromS, untilS });
console.log(`bare ClickHouse: ${bare.rows} rows of ${bare.profiles} profiles: JSONEachRow ${bare.jsonProfilesPerSecond.toFixed(0)} profiles/s (${bare.jsonRowsPerSecond.toFixed(0)} rows/s), TSV ${bare.tsvProfilesPerSecond.toFixed(0)} profiles/s; GROUP BY p50 ${pct(bare.groupByMs, 50).toFixed(1)} ms`);

// 7. The table.
const pps = run.ok / run.seconds;
const wireMB = run.wireBytes / run.seconds / 1e6;
const failed = [...run.failed.entries()].map(([k, n]) => `${n}× ${k}`).join('; ') || 'none';
const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
const rev = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
const dirty = execSync('git status --porcelain', { encoding: 'utf8' }).trim() ? ' (+ uncommitted changes)' : '';
const command = `node --import tsx loadtest/fleet/fleet.ts ${process.argv.slice(2).join(' ')}`.trim();
const totalSamples = run.samples + fresh.samples;
const md = `
### Fleet run ${new Date().toISOString()} (${runId})

- machine: ${cpus().length} CPUs (nproc), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${cpuModel}; load average before ${loadBefore}, after ${loadDuring}
- revision: \`${rev}\`${dirty}; command: \`${command}\`
- fleet: ${shape.services} services × ${shape.versions} versions × ${shape.zones} zones × ${shape.pods} pods = ${agents.length} agents, every ${shape.periodSeconds} s over ${protocol === 'ingest' ? '/ingest' : 'push.v1'} (${(agents.length / shape.periodSeconds).toFixed(0)} profiles/s offered, ≤ ${a['max-inflight']} in flight); base \`${a.file}\` (${baseBytes.length} B gz, ${base.raw.length} B raw), ${variants.size} variants
- totals (/api/v1/top over the run, per sample type) vs sent: ${checks.map((c) => `${c.type}/${c.unit} ${c.stored === c.sent ? 'equal' : `off by ${c.stored - c.sent}`}`).join(', ')} → **${exact ? 'zero loss, zero double count' : 'MISMATCH'}**; non-200: ${failed}; late pushes (> 1 s behind schedule): ${run.late}

| metric | Hotpath (single node) | baseline (same run) | ratio |
|---|---:|---:|---:|
| profiles/s (sustained, 200s) | ${pps.toFixed(0)} | pprof-format decode-only, 1 core: ${decode.pprofFormat.toFixed(0)} | ${(pps / decode.pprofFormat).toFixed(2)}× |
| | | Hotpath decoder, 1 core: ${decode.hotpath.toFixed(0)} | ${(pps / decode.hotpath).toFixed(2)}× |
| | | bare ClickHouse insert (JSONEachRow / TSV): ${bare.jsonProfilesPerSecond.toFixed(0)} / ${bare.tsvProfilesPerSecond.toFixed(0)} | ${(pps / bare.jsonProfilesPerSecond).toFixed(2)}× |
| samples/s | ${(totalSamples / run.seconds).toFixed(0)} | | |
| MB/s (gz on the wire) | ${wireMB.toFixed(2)} | | |
| ingest latency p50 / p99 | ${pct(run.latencies, 50).toFixed(0)} / ${pct(run.latencies, 99).toFixed(0)} ms | | |
| freshness p50 / p95 (ack → visible in /top) | ${pct(fresh.delaysMs, 50).toFixed(0)} / ${pct(fresh.delaysMs, 95).toFixed(0)} ms (${fresh.delaysMs.length} probes, ${fresh.timeouts} timeouts) | | |
| /top p50 / p99 (one service, run range) | ${pct(qs.top, 50).toFixed(0)} / ${pct(qs.top, 99).toFixed(0)} ms | bare GROUP BY stack_id p50: ${pct(bare.groupByMs, 50).toFixed(1)} ms | ${(pct(qs.top, 50) / pct(bare.groupByMs, 50)).toFixed(1)}× |
| /flamegraph p50 / p99 | ${pct(qs.flame, 50).toFixed(0)} / ${pct(qs.flame, 99).toFixed(0)} ms | | ${(pct(qs.flame, 50) / pct(bare.groupByMs, 50)).toFixed(1)}× |
| server inserts (its /metrics: count × mean) | ${writeProfile} | | |
| server RSS peak | ${(rssPeak / 2 ** 20).toFixed(0)} MiB | | |
| server CPU (of ${cpus().length} cores) | ${cpuPercent(p0, p1).toFixed(0)} % | simulator: ${((100 * (selfCpu.user + selfCpu.system)) / 1e6 / run.seconds).toFixed(0)} % | |
| bytes on disk per sample: live data (active parts, all tables) | ${(liveBytes / totalSamples).toFixed(3)} B (${((liveBytes / (run.wireBytes || 1)) * 100).toFixed(2)} % of the gz bytes; largest: ${live.slice(0, 3).map((t) => `${t.table} ${(t.bytes / 2 ** 20).toFixed(1)} MiB`).join(', ')}) | | |
| bytes on disk per sample: data directory right after the run | ${((diskAfter - diskBefore) / totalSamples).toFixed(2)} B (${(((diskAfter - diskBefore) / (run.wireBytes || 1)) * 100).toFixed(1)} % of the gz bytes; includes parts replaced by merges, deleted after 8 min) | | |
`;
console.log(md);
if (a.append) {
  appendFileSync(new URL('../../BENCHMARKS.md', import.meta.url), md);
  console.log('appended to BENCHMARKS.md');
}
if (!exact) process.exitCode = 1;
