/**
 * The decoded pprof, before normalization: profile.proto's tables as columns (typed arrays). Both decoders (our lean
 * reader and the pprof-format oracle) produce `PprofColumns`; `resolvePprof` (validate-pprof.ts) checks every
 * reference and turns it into a `DecodedPprof`, which adds the id → row lookups normalization needs.
 *
 * Why columns: a profile holds 10^4–10^5 samples; one object per sample (what generic decoders build) is most of
 * their cost. uint64 fields that may exceed 2^53 (addresses, mapping bounds: kernel addresses sit near 2^64) are kept
 * as two uint32 halves so nothing is rounded; sample values must be safe integers (decode refuses anything else).
 */

/** Strings of the profile's string table, by index. */
export interface StringTable {
  readonly count: number;
  /** The string at index `i` (0 <= i < count; callers check the range). */
  get(i: number): string;
}

/** A string table over an array (the reference decoder, tests). */
export class ArrayStringTable implements StringTable {
  readonly count: number;
  private readonly strings: readonly string[];

  constructor(strings: readonly string[]) {
    this.strings = strings;
    this.count = strings.length;
  }

  get(i: number): string {
    return this.strings[i] as string;
  }
}

/**
 * A string table that decodes each entry from the pprof bytes the first time it is asked for: a profile's table holds
 * file names, label values and strings of functions no sample uses, and most of it is never read.
 */
export class LazyStringTable implements StringTable {
  readonly count: number;
  private readonly bytes: Buffer;
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  private readonly cache: (string | undefined)[];

  constructor(bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array) {
    // A Buffer view (no copy) for its native UTF-8 decoder; invalid UTF-8 becomes U+FFFD, as in TextDecoder.
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.starts = starts;
    this.ends = ends;
    this.count = starts.length;
    this.cache = new Array<string | undefined>(starts.length);
  }

  get(i: number): string {
    let s = this.cache[i];
    if (s === undefined) {
      const start = this.starts[i] as number;
      const end = this.ends[i] as number;
      s = start === end ? '' : this.bytes.toString('utf8', start, end);
      this.cache[i] = s;
    }
    return s;
  }
}

/** A ValueType: indices into the string table. */
export interface ValueTypeRef {
  type: number;
  unit: number;
}

// Columns are typed arrays: a profile's samples hold 10^5–10^6 location ids and values, and JS array `push` at that
// scale costs ~15x a write into a preallocated typed array. Ids (location, function, mapping) are uint32 — every
// producer counts them from 1 and decode refuses ids >= 2^32. String indices are stored clamped to 2^32 - 1, which is
// past any string table, so validation still reports them as dangling.

export interface SampleColumns {
  count: number;
  /** Sample i's location ids are locationIds[locationStart[i] .. locationStart[i+1]); location_id[0] is the leaf. */
  locationStart: Uint32Array;
  locationIds: Uint32Array;
  /** Sample i's values are values[valueStart[i] .. valueStart[i+1]) (signed; after validation: one per sample type). */
  valueStart: Uint32Array;
  values: Float64Array;
}

export interface LocationColumns {
  count: number;
  id: Uint32Array;
  /** 0 = no mapping. */
  mappingId: Uint32Array;
  addressHi: Uint32Array;
  addressLo: Uint32Array;
  /** Location i's lines are lines[lineStart[i] .. lineStart[i+1]); line[0] is the innermost (inlined) function. */
  lineStart: Uint32Array;
  /** 1 when is_folded. */
  isFolded: Uint8Array;
}

export interface LineColumns {
  functionId: Uint32Array;
  line: Float64Array;
}

export interface FunctionColumns {
  count: number;
  id: Uint32Array;
  /** String indices. */
  name: Uint32Array;
  systemName: Uint32Array;
  filename: Uint32Array;
  startLine: Float64Array;
}

export interface MappingColumns {
  count: number;
  id: Uint32Array;
  memoryStartHi: Uint32Array;
  memoryStartLo: Uint32Array;
  memoryLimitHi: Uint32Array;
  memoryLimitLo: Uint32Array;
  fileOffsetHi: Uint32Array;
  fileOffsetLo: Uint32Array;
  /** String indices. */
  filename: Uint32Array;
  buildId: Uint32Array;
}

/** What a decoder reads from profile.proto, unchecked. Sample labels, comments and drop/keep frames are not kept. */
export interface PprofColumns {
  /** Size of the uncompressed pprof in bytes. */
  byteLength: number;
  strings: StringTable;
  sampleTypes: ValueTypeRef[];
  periodType: ValueTypeRef | null;
  /** int64 scalars, once per profile: bigint costs nothing here and keeps nanosecond times exact. */
  period: bigint;
  timeNanos: bigint;
  durationNanos: bigint;
  /** String index (0 = unset). */
  defaultSampleType: number;
  samples: SampleColumns;
  locations: LocationColumns;
  lines: LineColumns;
  functions: FunctionColumns;
  mappings: MappingColumns;
}

/** A checked profile: every reference resolves, every sample has one value per sample type. */
export interface DecodedPprof extends PprofColumns {
  /** Row of each entry of samples.locationIds in `locations`. */
  sampleLocationIndex: Int32Array;
  /** Row of each location's mapping in `mappings`, -1 without one. */
  locationMappingIndex: Int32Array;
  /** Row of each line's function in `functions`. */
  lineFunctionIndex: Int32Array;
}

/** Largest id decode accepts. */
export const MAX_ID = 0xffffffff;

/** A string index as stored: indices past 2^32 - 1 (dangling in any table) clamp to 2^32 - 1. */
export function clampStringIndex(i: number): number {
  return i > MAX_ID ? MAX_ID : i;
}

/** A uint64 from two uint32 halves, as a bigint (cold paths: naming unsymbolized frames). */
export function joinUint64(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
