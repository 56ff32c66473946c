/**
 * 64-bit stack ids and series fingerprints (unsigned, as decimal strings for ClickHouse UInt64).
 *
 * Construction, so that any process in any language can reproduce it (murmur3 x86_32 is in every ecosystem):
 * - a frame name's hash is two 32-bit lanes: A = murmur3_32(utf8(name), FRAME_SEED_A), B = the same with FRAME_SEED_B;
 * - a stack's lane L is murmur3_32 over the little-endian bytes of its frames' lane-L hashes, root first, seeded with
 *   STACK_SEED_L. Each frame is one murmur3 block, so the stack hash is built one frame at a time (`stackStep`) and
 *   finished with the depth (`stackFinish`): a tree builder extends a parent's state by one frame per node;
 * - id = A * 2^32 + B.
 * Names are hashed once per distinct name (FrameHashCache), stacks then cost two multiply-rotate rounds per frame.
 *
 * Collision odds: the lanes use different seeds at both levels, so we treat the id as 64 random bits. Among n distinct
 * stacks of one tenant the chance that any two share an id is about n^2 / 2^65: 1e6 stacks → 3e-8, 1e8 → 3e-4, 1e9 →
 * 3%. A collision merges two stacks' values under one id (the first frames written win); it corrupts no other data.
 * These are accidental-collision odds: murmur3 is not a keyed hash, and someone choosing frame names on purpose could
 * make collisions — acceptable for profiles, whose frame names come from the tenant's own binaries.
 */

export const FRAME_SEED_A = 0x3c6ef372;
export const FRAME_SEED_B = 0xa54ff53a;
export const STACK_SEED_A = 0x510e527f;
export const STACK_SEED_B = 0x9b05688c;
export const SERIES_SEED_A = 0x1f83d9ab;
export const SERIES_SEED_B = 0x5be0cd19;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** One murmur3 block: folds the 32-bit `k` into the state `h`. */
function mixBlock(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3 x86_32 of bytes. */
export function murmur3Bytes(bytes: Uint8Array, seed: number): number {
  const n = bytes.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    h = mixBlock(h, (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
  }
  let k = 0;
  switch (n - i) {
    case 3:
      k ^= (bytes[i + 2] as number) << 16;
    // falls through
    case 2:
      k ^= (bytes[i + 1] as number) << 8;
    // falls through
    case 1:
      k ^= bytes[i] as number;
      h ^= mixK(k);
  }
  return fmix32(h ^ n);
}

const utf8 = new TextEncoder();

/**
 * murmur3 x86_32 of the string's UTF-8 bytes (lone surrogates as U+FFFD, as TextEncoder does). ASCII strings —
 * nearly every frame name — are hashed straight from their char codes without encoding.
 */
export function murmur3String(s: string, seed: number): number {
  const n = s.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return murmur3Bytes(utf8.encode(s), seed);
    h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  let k = 0;
  for (let j = n - 1; j >= i; j--) {
    const c = s.charCodeAt(j);
    if (c >= 0x80) return murmur3Bytes(utf8.encode(s), seed);
    k = (k << 8) | c;
  }
  if (n > i) h ^= mixK(k);
  return fmix32(h ^ n);
}

/** Lane A of a frame name's hash. */
export function frameHashA(name: string): number {
  return murmur3String(name, FRAME_SEED_A);
}

/** Lane B of a frame name's hash. */
export function frameHashB(name: string): number {
  return murmur3String(name, FRAME_SEED_B);
}

/** Extends one lane of a stack hash by one frame (the frame's hash in that lane). Start from STACK_SEED_A / _B. */
export function stackStep(state: number, frameLane: number): number {
  return mixBlock(state, frameLane);
}

/** Finishes one lane of a stack hash of `depth` frames (uint32). */
export function stackFinish(state: number, depth: number): number {
  return fmix32(state ^ (depth << 2));
}

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000'];

/** `x` (0 <= x < 10^width, an integer) in decimal, left-padded with zeros to `width` digits. */
function padded(x: number, width: number): string {
  const s = String(x);
  return s.length >= width ? s : (ZEROS[width - s.length] as string) + s;
}

/**
 * The unsigned decimal of hi * 2^32 + lo, without BigInt (hi * 2^32 alone is past 2^53). Every piece handed to
 * String() stays below 2^31, where V8's number-to-string is fastest.
 */
export function uint64Decimal(hi: number, lo: number): string {
  hi >>>= 0;
  lo >>>= 0;
  if (hi === 0) return String(lo);
  // 2^32 = 429496 * 10^4 + 7296, so v = (hi * 429496) * 10^4 + (hi * 7296 + lo); both parts stay below 2^53.
  let high = hi * 429496;
  let low = hi * 7296 + lo;
  const carry = Math.floor(low / 10000);
  low -= carry * 10000;
  high += carry;
  if (high < 1e8) return String(high) + padded(low, 4);
  const top = Math.floor(high / 1e8);
  return String(top) + padded(high - top * 1e8, 8) + padded(low, 4);
}

/** The stack id of frames (root first). */
export function stackId(frames: readonly string[]): string {
  let a = STACK_SEED_A;
  let b = STACK_SEED_B;
  for (const f of frames) {
    a = stackStep(a, frameHashA(f));
    b = stackStep(b, frameHashB(f));
  }
  return uint64Decimal(stackFinish(a, frames.length), stackFinish(b, frames.length));
}

/**
 * Frame names of one profile (or one query result), each hashed once. `intern` gives a small integer per distinct
 * name; `a[i]`/`b[i]` are its lanes and `names[i]` the name. Lanes are stored as int32 (`| 0`): V8 keeps such an
 * array unboxed, and stackStep only needs the 32 bits.
 */
export class FrameHashCache {
  readonly names: string[] = [];
  readonly a: number[] = [];
  readonly b: number[] = [];
  private readonly index = new Map<string, number>();

  intern(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(name, i);
      this.names.push(name);
      this.a.push(frameHashA(name) | 0);
      this.b.push(frameHashB(name) | 0);
    }
    return i;
  }
}

/**
 * Fingerprint of a series: the profile type id, then each label name and value, names sorted (UTF-16 code unit
 * order), folded like a stack of those strings under the SERIES seeds. Each string is hashed on its own, so no
 * separator can be forged by a label value.
 */
export function seriesFingerprint(profileTypeId: string, labels: Readonly<Record<string, string>>): string {
  let a = stackStep(SERIES_SEED_A, frameHashA(profileTypeId));
  let b = stackStep(SERIES_SEED_B, frameHashB(profileTypeId));
  const names = Object.keys(labels).sort();
  for (const name of names) {
    const value = labels[name] as string;
    a = stackStep(stackStep(a, frameHashA(name)), frameHashA(value));
    b = stackStep(stackStep(b, frameHashB(name)), frameHashB(value));
  }
  const n = 1 + names.length * 2;
  return uint64Decimal(stackFinish(a, n), stackFinish(b, n));
}
