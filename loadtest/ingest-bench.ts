/**
 * Ingest benchmark (not a test): posts real profiles to a running Hotpath at increasing concurrency and prints
 * profiles/s, samples/s, MB/s and p50/p99 ingest latency per step, beside the single-core decode-only rate of
 * the same files (pprof-format, and Hotpath's decoder) measured in the same run.
 *
 *   npm start &    # or any running Hotpath
 *   node --import tsx loadtest/ingest-bench.ts [--url http://127.0.0.1:4040] [--seconds 10] [--file go-cpu-pprof-labels.pprof]
 *
 * Bounded in time and count; talks only to the given URL (loopback by default).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { Profile } from 'pprof-format';
import { decodePprof } from '../lib/profile/index.ts';

const PROFILES = new URL('../../shared/testdata/profiles/', import.meta.url).pathname;

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4040' },
    seconds: { type: 'string', default: '10' },
    file: { type: 'string', default: 'go-cpu-pprof-labels.pprof' },
    steps: { type: 'string', default: '1,4,16,64' },
  },
});

const body = readFileSync(PROFILES + args.file!);
const raw = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
const samples = Profile.decode(raw).sample.length;

function rate(fn: () => void, ms = 2000): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    fn();
    n++;
  }
  return n / (ms / 1000);
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function step(concurrency: number, seconds: number) {
  const lat: number[] = [];
  let ok = 0;
  let failed = 0;
  const end = Date.now() + seconds * 1000;
  let seq = 0;
  const worker = async (w: number) => {
    while (Date.now() < end) {
      const t0 = performance.now();
      const nowS = Math.floor(Date.now() / 1000);
      const res = await fetch(`${args.url}/ingest?name=bench-${w % 8}{pod=p${seq++ % 64}}&from=${nowS}&until=${nowS + 10}&format=pprof`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream' },
      });
      await res.arrayBuffer();
      if (res.status === 200) {
        ok++;
        lat.push(performance.now() - t0);
      } else failed++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { concurrency, ok, failed, pps: ok / secs, sps: (ok * samples) / secs, mbps: (ok * body.length) / secs / 1e6, p50: pct(lat, 50), p99: pct(lat, 99) };
}

const decodeRef = rate(() => Profile.decode(raw));
const decodeOurs = rate(() => decodePprof(body, { maxDecompressedBytes: 64 << 20 }));
console.log(`file ${args.file}: ${body.length} B on the wire, ${raw.length} B raw pprof, ${samples} samples`);
console.log(`decode-only, one core: pprof-format ${decodeRef.toFixed(0)}/s (${((decodeRef * raw.length) / 1e6).toFixed(1)} MB/s); Hotpath decoder ${decodeOurs.toFixed(0)}/s (${((decodeOurs * raw.length) / 1e6).toFixed(1)} MB/s)`);
console.log('| concurrency | profiles/s | samples/s | MB/s (wire) | p50 ms | p99 ms | non-200 | vs pprof-format decode |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of args.steps!.split(',').map(Number)) {
  const r = await step(c, Number(args.seconds));
  console.log(`| ${c} | ${r.pps.toFixed(0)} | ${r.sps.toFixed(0)} | ${r.mbps.toFixed(2)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failed} | ${(r.pps / decodeRef).toFixed(2)}× |`);
}
