/**
 * Typed arrays for the duration of one decode + normalize, carved from one reusable buffer.
 *
 * Decoding a profile makes some forty typed arrays (pprof columns, id indexes, the stack table); each `new
 * Uint32Array(n)` beyond a few dozen bytes is a separately malloc'd backing store, registered with V8, counted as
 * external memory and swept after its young-generation collection. On a decode worker at ~1 000 profiles/s that
 * was a fifth of its CPU (malloc/free, ArrayBufferSweeper; `perf` in BENCHMARKS.md, "Ingest, second pass"). Inside
 * `withScratchArrays` the helpers below hand out zeroed views into one ArrayBuffer instead, reused by the next call.
 *
 * Only for callers whose result holds none of these arrays once `fn` returns: profilesFromPprof (normalized
 * profiles are strings and numbers). Outside `withScratchArrays` the helpers are plain `new`, so decodePprof's own
 * result, which does hold them, stays valid however long it is kept.
 */

/** A larger scratch buffer is not kept between calls: a rare huge profile does not pin its memory. */
const MAX_KEPT_BYTES = 32 << 20;

let spare = new ArrayBuffer(256 << 10);
/** The buffer being carved (null outside withScratchArrays), the bytes used, and the bytes asked for in all. */
let active: ArrayBuffer | null = null;
let used = 0;
let asked = 0;

/** Byte offset of `bytes` more in the active buffer (8-aligned), or -1 to allocate normally. */
function take(bytes: number): number {
  asked += bytes;
  if (active === null) return -1;
  const at = (used + 7) & ~7;
  if (at + bytes > active.byteLength) return -1;
  used = at + bytes;
  return at;
}

export function u32(n: number): Uint32Array {
  const at = take(n * 4);
  return at < 0 ? new Uint32Array(n) : new Uint32Array(active!, at, n).fill(0);
}

export function i32(n: number): Int32Array {
  const at = take(n * 4);
  return at < 0 ? new Int32Array(n) : new Int32Array(active!, at, n).fill(0);
}

export function f64(n: number): Float64Array {
  const at = take(n * 8);
  return at < 0 ? new Float64Array(n) : new Float64Array(active!, at, n).fill(0);
}

export function u8(n: number): Uint8Array {
  const at = take(n);
  return at < 0 ? new Uint8Array(n) : new Uint8Array(active!, at, n).fill(0);
}

/**
 * Runs `fn` with the helpers carving from the scratch buffer; nothing they returned may be used after it returns.
 * The buffer grows (up to MAX_KEPT_BYTES) to what the call asked for, so the next profile of that size fits.
 */
export function withScratchArrays<T>(fn: () => T): T {
  if (active !== null) return fn();
  active = spare;
  used = 0;
  asked = 0;
  try {
    return fn();
  } finally {
    active = null;
    const want = asked + 64 * 8; // alignment slack
    if (want > spare.byteLength && want <= MAX_KEPT_BYTES) {
      let size = spare.byteLength;
      while (size < want) size *= 2;
      spare = new ArrayBuffer(Math.min(size, MAX_KEPT_BYTES));
    }
  }
}
