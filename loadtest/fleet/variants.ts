/**
 * The fleet's profiles: one real Go CPU profile turned into many realistic variants, built once before the run so
 * that sending costs the simulator almost nothing (decode with pprof-format, rewrite sample values, re-encode and
 * gzip once per variant; never per request).
 *
 * Variation, as a real fleet shows it:
 * - per version: the stack mix shifts (every sample's weight is scaled by a factor drawn per version and sample);
 * - per pod: noise on every value (±15 %), drawn per pod class (pods of a service share a few noise classes, so
 *   the variant count stays bounded);
 * - new stacks at a steady low rate: every generation (`generationSeconds` of the run) adds one stack whose leaf
 *   is a function never seen before, per (service, version).
 *
 * Each variant keeps its exact per-sample-type totals (int64 sums, as pprof-format reads them): the simulator adds
 * them up per 200 it receives, and the run's end compares them with Hotpath's.
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import { Function as PFunction, Line, Location, Profile, Sample } from 'pprof-format';

export interface Variant {
  /** gzip'd pprof with time_nanos removed: the sender appends a gzip member carrying the push time (sender.ts). */
  gz: Buffer;
  /** Sum of each sample type's values, in the profile's sample_type order. */
  totals: bigint[];
  samples: number;
}

export interface VariantKey {
  service: number;
  version: number;
  podClass: number;
  generation: number;
}

/** Small deterministic PRNG (mulberry32): the same options build the same variants, run after run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BaseProfile {
  raw: Buffer;
  sampleTypes: { type: string; unit: string }[];
}

export function loadBase(bytes: Uint8Array): BaseProfile {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes);
  const p = Profile.decode(raw);
  const str = (i: number | bigint) => p.stringTable.strings[Number(i)] ?? '';
  return { raw, sampleTypes: p.sampleType.map((st) => ({ type: str(st.type), unit: str(st.unit) })) };
}

/** Builds one variant. Decodes the base afresh so variants never share mutable pprof objects. */
export function buildVariant(base: BaseProfile, k: VariantKey): Variant {
  const p = Profile.decode(base.raw);
  p.timeNanos = 0;
  const versionMix = rng(0x5eed ^ (k.service * 7919) ^ (k.version * 104729));
  const podNoise = rng(0xbeef ^ (k.service * 31337) ^ (k.version * 65537) ^ (k.podClass * 2654435761));
  const kept: Sample[] = [];
  for (const s of p.sample) {
    // Version mix: log-normal-ish weight in [0.35, 2.8]; pod noise: ±15 %.
    const weight = Math.exp((versionMix() - 0.5) * 2.1) * (0.85 + 0.3 * podNoise());
    const first = Number(s.value[0] ?? 0);
    const scaledFirst = Math.round(first * weight);
    if (scaledFirst === 0) continue;
    const ratio = scaledFirst / first;
    s.value = s.value.map((v, i) => (i === 0 ? scaledFirst : Math.round(Number(v) * ratio)));
    kept.push(s);
  }
  p.sample = kept;
  addNewStacks(p, k);
  const raw = Buffer.from(p.encode());
  const totals = p.sampleType.map((_, i) => p.sample.reduce((sum, s) => sum + BigInt.asIntN(64, BigInt(s.value[i] ?? 0)), 0n));
  return { gz: gzipSync(raw), totals, samples: p.sample.length };
}

/** One new leaf function per generation (under the base's first sample's stack), named so it is unique. */
function addNewStacks(p: Profile, k: VariantKey): void {
  const template = p.sample[0];
  if (!template || k.generation === 0) return;
  let nextLoc = p.location.reduce((m, l) => Math.max(m, Number(l.id)), 0) + 1;
  let nextFn = p.function.reduce((m, f) => Math.max(m, Number(f.id)), 0) + 1;
  for (let g = 1; g <= k.generation; g++) {
    const name = p.stringTable.dedup(`fleet.newCode_s${k.service}_v${k.version}_g${g}`);
    const fn = new PFunction({ id: nextFn++, name, systemName: name, filename: p.stringTable.dedup('fleet/new.go') });
    const loc = new Location({ id: nextLoc++, line: [new Line({ functionId: fn.id, line: g })] });
    p.function.push(fn);
    p.location.push(loc);
    const period = Number(p.period) || 1;
    p.sample.push(new Sample({ locationId: [loc.id, ...template.locationId], value: p.sampleType.map((_, i) => (i === 0 ? 1 : period)) }));
  }
}
