/**
 * What a decode worker's step costs per fleet profile (lib/profile/decode-worker.ts: gunzip, read, normalize,
 * encode the bus envelope), on one thread: process CPU per profile (V8's GC helper threads included) and the bytes
 * the step allocates on the JS heap (V8's sampling heap profiler, collected objects included), by allocating
 * function. The profiles are the fleet simulator's variants of its base profile (loadtest/fleet/variants.ts).
 *
 *   node --import tsx loadtest/decode-step-bench.ts [--file go-cpu-pprof-labels.pprof] [--top 12]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeForBus } from '../lib/bus/encoded-profile.ts';
import { profilesFromPprof } from '../lib/profile/index.ts';
import { PROFILES_DIR } from '../test/helpers/pprof-oracle.ts';
import { buildVariant, loadBase } from './fleet/variants.ts';
import { heapAllocations } from './heap-allocations.ts';

const { values: a } = parseArgs({ options: { file: { type: 'string', default: 'go-cpu-pprof-labels.pprof' }, top: { type: 'string', default: '12' } } });
const base = loadBase(readFileSync(PROFILES_DIR + a.file!));
const variants = Array.from({ length: 60 }, (_, i) => buildVariant(base, { service: i % 10, version: i % 3, podClass: i % 4, generation: 0 }).gz);
const ctx = { tenant: 'anonymous', labels: { service_name: 'fleet-svc0', version: 'v1', zone: 'z1', pod: 'p1' }, timeFallbackMs: Date.now(), maxDepth: 1024, maxDecompressedBytes: 64 << 20 };
let next = 0;
const step = () => profilesFromPprof(variants[next++ % variants.length]!, ctx).map(encodeForBus);

for (let i = 0; i < 3000; i++) step();
const cpu: number[] = [];
for (let round = 0; round < 7; round++) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < 4000; i++) step();
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000 / 4000);
}
cpu.sort((x, y) => x - y);

const N = 5000;
const alloc = await heapAllocations(() => {
  for (let i = 0; i < N; i++) step();
});
console.log(`${a.file} variants (${variants[0]!.length} B gz): CPU per profile ${cpu[0]!.toFixed(3)} ms (best of 7 rounds), ${cpu[3]!.toFixed(3)} ms (median)`);
console.log(`JS heap allocated per profile: ${(alloc.bytes / N / 1024).toFixed(1)} KB (sampled); by allocating function:`);
for (const [site, bytes] of alloc.bySite.slice(0, Number(a.top))) console.log(`  ${(bytes / N / 1024).toFixed(2).padStart(7)} KB  ${site}`);
