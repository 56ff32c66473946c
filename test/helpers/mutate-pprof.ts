/**
 * Deterministic mutations of real pprof profiles for fuzzing the gateway's decode path: bit flips, truncations,
 * huge varints spliced in, out-of-range string/function/location indexes, and each of those gzip'd or not.
 */
import { gzipSync } from 'node:zlib';
import { Label, Profile, ValueType } from 'pprof-format';
import { decodeOracle } from './pprof-oracle.ts';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MUTATIONS = ['bitflip', 'truncate', 'huge-varint', 'bad-string-index', 'bad-function-id', 'bad-location-id'] as const;
export type Mutation = (typeof MUTATIONS)[number];

const HUGE_VARINTS = [
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 2^64 - 1
  [0xff, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 1 (a length that claims 4 GiB)
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // over-long varint
];

function bitflip(raw: Uint8Array, rnd: () => number): Uint8Array {
  const out = Uint8Array.from(raw);
  const flips = 1 + Math.floor(rnd() * 8);
  for (let i = 0; i < flips; i++) out[Math.floor(rnd() * out.length)]! ^= 1 << Math.floor(rnd() * 8);
  return out;
}

function hugeVarint(raw: Uint8Array, rnd: () => number): Uint8Array {
  const at = Math.floor(rnd() * raw.length);
  const v = HUGE_VARINTS[Math.floor(rnd() * HUGE_VARINTS.length)]!;
  // Either overwrite what is there or splice it in (shifting everything after it).
  if (rnd() < 0.5) {
    const out = Uint8Array.from(raw);
    out.set(v.slice(0, Math.max(0, out.length - at)), at);
    return out;
  }
  return Uint8Array.from([...raw.subarray(0, at), ...v, ...raw.subarray(at)]);
}

function structural(raw: Uint8Array, kind: Mutation, rnd: () => number): Uint8Array {
  const p = decodeOracle(raw);
  const huge = () => (rnd() < 0.5 ? 2 ** 31 - 1 : p.stringTable.strings.length + 1 + Math.floor(rnd() * 1000));
  if (kind === 'bad-string-index') {
    const targets: Array<() => void> = [
      () => p.function.length && (p.function[Math.floor(rnd() * p.function.length)]!.name = huge()),
      () => p.sampleType.length && (p.sampleType[Math.floor(rnd() * p.sampleType.length)]!.type = huge()),
      () => p.sampleType.length && (p.sampleType[Math.floor(rnd() * p.sampleType.length)]!.unit = huge()),
      () => p.sample.length && p.sample[Math.floor(rnd() * p.sample.length)]!.label.push(new Label({ key: huge(), str: huge() })),
      () => p.mapping.length && (p.mapping[Math.floor(rnd() * p.mapping.length)]!.filename = huge()),
      () => (p.periodType = new ValueType({ type: huge(), unit: huge() })),
    ];
    targets[Math.floor(rnd() * targets.length)]!();
  } else if (kind === 'bad-function-id') {
    const withLines = p.location.filter((l) => l.line.length > 0);
    if (withLines.length) withLines[Math.floor(rnd() * withLines.length)]!.line[0]!.functionId = 1e9 + Math.floor(rnd() * 1e6);
  } else {
    if (p.sample.length) {
      const s = p.sample[Math.floor(rnd() * p.sample.length)]!;
      s.locationId = [...s.locationId, 1e12 + Math.floor(rnd() * 1e6)];
    }
  }
  return p.encode();
}

/**
 * Structural mutations re-encode the whole profile (pprof-format, slow in bulk): each (profile, kind) gets a pool
 * of VARIANTS seeded variants made once, and a case picks one — a quarter of them bit-flipped on top.
 */
const VARIANTS = 16;
const pools = new WeakMap<Uint8Array, Map<Mutation, Uint8Array[]>>();

function structuralVariant(raw: Uint8Array, kind: Mutation, rnd: () => number): Uint8Array {
  let byKind = pools.get(raw);
  if (!byKind) pools.set(raw, (byKind = new Map()));
  let pool = byKind.get(kind);
  if (!pool) {
    pool = [];
    for (let i = 0; i < VARIANTS; i++) pool.push(structural(raw, kind, prng(raw.length * 31 + i * 7919 + MUTATIONS.indexOf(kind))));
    byKind.set(kind, pool);
  }
  const v = pool[Math.floor(rnd() * pool.length)]!;
  return rnd() < 0.25 ? bitflip(v, rnd) : v;
}

/** One mutated body from `raw` (an uncompressed pprof); about half of them gzip'd. */
export function mutate(raw: Uint8Array, kind: Mutation, rnd: () => number): Uint8Array {
  let out: Uint8Array;
  if (kind === 'bitflip') out = bitflip(raw, rnd);
  else if (kind === 'truncate') out = raw.subarray(0, Math.floor(rnd() * raw.length));
  else if (kind === 'huge-varint') out = hugeVarint(raw, rnd);
  else out = structuralVariant(raw, kind, rnd);
  if (rnd() < 0.5) return out;
  const gz = gzipSync(out);
  // Sometimes the damage is to the gzip stream itself.
  return rnd() < 0.3 ? (rnd() < 0.5 ? bitflip(gz, rnd) : gz.subarray(0, Math.floor(rnd() * gz.length))) : gz;
}

export { Profile };
