/**
 * Bus envelope throughput, one core. Run:
 *   node --import tsx lib/bus/envelope-bench.ts [pprof file …]
 * Without arguments: a synthetic 500-stack CPU profile (deterministic; Go-style frame names drawn from a pool of 400
 * functions, depth 8–40, call-tree shaped so stacks share prefixes, stacks in random order). With pprof files: each file's profiles as
 * lib/profile normalizes them. Rows:
 *   envelope encode / decode / encode+decode   lib/bus/envelope.ts
 *   protobufjs reflection encode+decode        the same .proto through protobufjs (fromObject/encode, decode/toObject)
 *   JSON stringify+parse                        the NormalizedProfile as JSON, for scale
 * Figures are CPU µs per profile (best of 10 rounds) and the rate that implies for one core.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename } from 'node:path';
import { BusProfile } from '../../schemas/index.ts';
import type { NormalizedProfile } from '../profile/model.ts';
import { decodeProfile, encodeProfile } from './envelope.ts';

/**
 * Runs `fn` in rounds of about `ms` milliseconds after a warm-up; returns the CPU time (user + system) per run of the
 * best round, in µs. CPU time and best-of-rounds keep the figure meaningful on a shared machine, where wall time
 * mostly measures the neighbours.
 */
function cpuMicros(fn: () => unknown, rounds = 10, ms = 300): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const start = performance.now();
    let runs = 0;
    while (performance.now() - start < ms) {
      for (let i = 0; i < 4; i++) fn();
      runs += 4;
    }
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / runs);
  }
  return best;
}

/** xorshift32: deterministic, so every run measures the same profile. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function syntheticProfile(nStacks = 500, seed = 42): NormalizedProfile {
  const rand = rng(seed);
  const pkgs = ['net/http', 'github.com/acme/checkout/internal/cart', 'github.com/acme/checkout/internal/pricing', 'runtime', 'encoding/json', 'google.golang.org/grpc', 'github.com/jackc/pgx/v5/pgconn', 'sync', 'crypto/tls', 'compress/gzip'];
  const verbs = ['Handle', 'Serve', 'Read', 'Write', 'Marshal', 'Unmarshal', 'Lookup', 'Compute', 'Encode', 'Flush', 'Dial', 'Query'];
  const nouns = ['Request', 'Cart', 'Price', 'Conn', 'Buffer', 'Stream', 'Row', 'Header', 'Frame', 'Item'];
  const makeName = () => {
    const pkg = pkgs[Math.floor(rand() * pkgs.length)]!;
    const recv = rand() < 0.6 ? `(*${nouns[Math.floor(rand() * nouns.length)]}${nouns[Math.floor(rand() * nouns.length)]}).` : '';
    return `${pkg}.${recv}${verbs[Math.floor(rand() * verbs.length)]}${nouns[Math.floor(rand() * nouns.length)]}`;
  };
  const pool = Array.from({ length: 400 }, makeName);
  const fname = () => pool[Math.floor(rand() * pool.length)]!;
  // A call tree: each node has a few children; stacks are root-to-node walks.
  type Node = { name: string; children: Node[] };
  const rootNode: Node = { name: 'runtime.goexit', children: [] };
  const stacks: NormalizedProfile['stacks'] = [];
  const u64 = () => ((BigInt(Math.floor(rand() * 4294967296)) << 32n) | BigInt(Math.floor(rand() * 4294967296))).toString();
  const seen = new Set<string>();
  while (stacks.length < nStacks) {
    const depth = 8 + Math.floor(rand() * 33);
    const frames: string[] = [];
    let node = rootNode;
    frames.push(node.name);
    for (let d = 1; d < depth; d++) {
      const reuse = node.children.length > 0 && rand() < 0.85;
      let next: Node;
      if (reuse) next = node.children[Math.floor(rand() * node.children.length)]!;
      else {
        next = { name: fname(), children: [] };
        node.children.push(next);
      }
      frames.push(next.name);
      node = next;
    }
    const key = frames.join(';');
    if (seen.has(key)) continue;
    seen.add(key);
    stacks.push({ id: u64(), frames, value: (1 + Math.floor(rand() * 400)) * 10_000_000 });
  }
  return {
    tenant: 'acme-prod',
    type: { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' },
    labels: { __name__: 'process_cpu', service_name: 'checkout', namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9q', version: 'v1.42.0', zone: 'eu-west-1a' },
    fingerprint: u64(),
    timeMs: 1_764_000_000_000,
    durationNanos: 15_000_000_000,
    stacks,
  };
}

function viaProtobufjs(p: NormalizedProfile): unknown {
  const names: string[] = [];
  const index = new Map<string, number>();
  const stacks = p.stacks.map((s) => ({
    id: s.id,
    value: s.value,
    frames: s.frames.map((f) => {
      let i = index.get(f);
      if (i === undefined) {
        i = names.length;
        names.push(f);
        index.set(f, i);
      }
      return i;
    }),
  }));
  const bytes = BusProfile.encode(BusProfile.fromObject({ schemaVersion: 1, tenant: p.tenant, type: p.type, labels: p.labels, fingerprint: p.fingerprint, timeMs: p.timeMs, durationNanos: p.durationNanos, frameNames: names, stacks })).finish();
  const o = BusProfile.toObject(BusProfile.decode(bytes), { longs: String }) as { frameNames: string[]; stacks: { id: string; frames: number[]; value: string }[] };
  return o.stacks.map((s) => ({ id: s.id, frames: s.frames.map((i) => o.frameNames[i]), value: Number(s.value) }));
}

async function inputs(): Promise<{ name: string; profile: NormalizedProfile }[]> {
  const files = process.argv.slice(2);
  if (files.length === 0) return [{ name: 'synthetic 500 stacks', profile: syntheticProfile() }];
  const { profilesFromPprof } = await import('../profile/index.ts');
  const out: { name: string; profile: NormalizedProfile }[] = [];
  for (const file of files) {
    const profiles = profilesFromPprof(readFileSync(file), { tenant: 'bench', labels: { service_name: 'bench' }, timeFallbackMs: Date.now(), maxDecompressedBytes: 256 << 20 });
    for (const p of profiles) out.push({ name: `${basename(file)} ${p.type.sampleType}`, profile: p });
  }
  return out;
}

const rows: string[][] = [['profile', 'stacks', 'frames', 'names', 'bytes', 'codec', 'profiles/s/core', 'cpu µs/profile']];
for (const { name, profile } of await inputs()) {
  const bytes = encodeProfile(profile, { ingestId: '7f1c2a9e-5b44-4c1e-9d0a-3f7e2b1c8a65.0' });
  const frames = profile.stacks.reduce((n, s) => n + s.frames.length, 0);
  const distinct = new Set(profile.stacks.flatMap((s) => s.frames)).size;
  const measure = (codec: string, fn: () => unknown) => {
    const us = cpuMicros(fn);
    rows.push([name, String(profile.stacks.length), String(frames), String(distinct), String(bytes.length), codec, (1e6 / us).toFixed(0), us.toFixed(1)]);
  };
  measure('envelope encode', () => encodeProfile(profile));
  measure('envelope decode', () => decodeProfile(bytes));
  measure('envelope encode+decode', () => decodeProfile(encodeProfile(profile)));
  measure('protobufjs reflection encode+decode', () => viaProtobufjs(profile));
  const json = JSON.stringify(profile);
  rows.push([name, '', '', '', String(Buffer.byteLength(json)), 'JSON size', '', '']);
  measure('JSON stringify+parse', () => JSON.parse(JSON.stringify(profile)));
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => (c >= 1 && c !== 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
console.log(`node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
