/**
 * Test support for the profile model's tests (not used by production code):
 * - the shared test profiles and their SOURCES.md table;
 * - the independent oracle: pprof-format decoding and signed-int64 sums, written without any of our decoder code;
 * - a minimal protobuf writer to craft pprof bytes that no real client sends (negative 10-byte varints, unpacked
 *   repeated fields, dangling ids, out-of-range values).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { decodeOracle as oracleDecode } from '../../test/helpers/pprof-oracle.ts';

export const PROFILES_DIR = new URL('../../../shared/testdata/profiles/', import.meta.url).pathname;

export function profileFiles(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => f !== 'SOURCES.md')
    .sort();
}

export function readProfile(name: string): Buffer {
  return readFileSync(PROFILES_DIR + name);
}

export function fileSize(name: string): number {
  return statSync(PROFILES_DIR + name).size;
}

/** Files that must decode as pprof: everything but `bad-*` and the JFR recording. */
export function isPprofFile(name: string): boolean {
  return !name.startsWith('bad-') && !name.endsWith('.jfr.gz');
}

export interface SourcesRow {
  file: string;
  bytes: number;
  /** `type/unit` → total; empty for files without totals (—). */
  totals: Map<string, bigint>;
}

/** The rows of SOURCES.md's tables: `| \`file\` | bytes | what | origin | sample types = total | shape |`. */
export function sourcesTable(): Map<string, SourcesRow> {
  const rows = new Map<string, SourcesRow>();
  for (const line of readFileSync(PROFILES_DIR + 'SOURCES.md', 'utf8').split('\n')) {
    const m = /^\| `([^`]+)` \| (\d+) \|/.exec(line);
    if (!m) continue;
    const cells = line.split('|').map((c) => c.trim());
    // Leading and trailing pipes make empty first and last cells; totals are the second-to-last column.
    const totalsCell = cells[cells.length - 3] as string;
    const totals = new Map<string, bigint>();
    for (const part of totalsCell.split(';')) {
      const t = /^\s*(\S*\/\S*)\s*=\s*(-?\d+)\s*$/.exec(part);
      if (t) totals.set(t[1] as string, BigInt(t[2] as string));
    }
    rows.set(m[1] as string, { file: m[1] as string, bytes: Number(m[2]), totals });
  }
  return rows;
}

// The independent pprof-format oracle is the one every test uses (test/helpers/pprof-oracle.ts).
export { decodeOracle as oracleDecode, oracleTotals, type OracleType } from '../../test/helpers/pprof-oracle.ts';

/**
 * Independent stacks of a fully symbolized profile, straight from pprof-format: frames root first (sample locations
 * reversed; each location's lines reversed), summed by frame list, per sample type. Null when some location has no
 * line or some line's function has no name (those need address naming, which this oracle does not model).
 */
export function oracleSymbolizedStacks(bytes: Uint8Array): Map<string, bigint>[] | null {
  const p = oracleDecode(bytes);
  const strings = p.stringTable.strings;
  const functions = new Map(p.function.map((f) => [Number(f.id), strings[Number(f.name)] ?? '']));
  const locations = new Map<number, string[]>();
  for (const l of p.location) {
    if (l.line.length === 0) return null;
    const names = l.line.map((ln) => functions.get(Number(ln.functionId)) ?? '');
    if (names.some((n) => n === '')) return null;
    locations.set(Number(l.id), names.reverse());
  }
  const out = p.sampleType.map(() => new Map<string, bigint>());
  for (const s of p.sample) {
    const frames = [...s.locationId].reverse().flatMap((id) => locations.get(Number(id)) ?? []);
    const key = JSON.stringify(frames);
    s.value.forEach((v, t) => {
      const m = out[t] as Map<string, bigint>;
      m.set(key, (m.get(key) ?? 0n) + BigInt.asIntN(64, BigInt(v)));
    });
  }
  for (const m of out) for (const [k, v] of m) if (v === 0n) m.delete(k);
  return out;
}

/** A minimal protobuf writer. */
export class PbWriter {
  private readonly out: number[] = [];

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.out.push(Number(x));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  /** A varint field. */
  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  /** A length-delimited field. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.out.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: PbWriter) => void): this {
    const inner = new PbWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  packed(field: number, values: readonly (number | bigint)[]): this {
    const inner = new PbWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  raw(bytes: readonly number[]): this {
    this.out.push(...bytes);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export interface CraftSample {
  locations: readonly (number | bigint)[];
  values: readonly (number | bigint)[];
  /** Write location_id and value one field per entry instead of packed. */
  unpacked?: boolean;
  /** Sample labels as [key, str] string indices. */
  labels?: readonly [number, number][];
}

export interface CraftProfile {
  /** strings[0] should be ''. */
  strings: readonly string[];
  sampleTypes: readonly [type: number, unit: number][];
  samples: readonly CraftSample[];
  locations: readonly { id: number | bigint; mappingId?: number; address?: bigint; lines?: readonly [functionId: number, line: number][] }[];
  functions: readonly { id: number | bigint; name: number; systemName?: number; filename?: number }[];
  mappings?: readonly { id: number; start?: bigint; limit?: bigint; offset?: bigint; filename?: number; buildId?: number }[];
  periodType?: [type: number, unit: number];
  period?: number;
  timeNanos?: bigint;
  durationNanos?: bigint;
  /** Appends raw fields at the end (unknown fields, odd wire types). */
  extra?: (w: PbWriter) => void;
}

/** Encodes a CraftProfile as pprof bytes (uncompressed). */
export function craftPprof(c: CraftProfile): Uint8Array {
  const w = new PbWriter();
  for (const [type, unit] of c.sampleTypes) w.message(1, (m) => m.int(1, type).int(2, unit));
  for (const s of c.samples) {
    w.message(2, (m) => {
      if (s.unpacked) {
        for (const id of s.locations) m.int(1, id);
        for (const v of s.values) m.int(2, v);
      } else {
        m.packed(1, s.locations).packed(2, s.values);
      }
      for (const [k, v] of s.labels ?? []) m.message(3, (l) => l.int(1, k).int(2, v));
    });
  }
  for (const mp of c.mappings ?? []) {
    w.message(3, (m) =>
      m
        .int(1, mp.id)
        .int(2, mp.start ?? 0n)
        .int(3, mp.limit ?? 0n)
        .int(4, mp.offset ?? 0n)
        .int(5, mp.filename ?? 0)
        .int(6, mp.buildId ?? 0),
    );
  }
  for (const l of c.locations) {
    w.message(4, (m) => {
      m.int(1, l.id);
      if (l.mappingId) m.int(2, l.mappingId);
      if (l.address) m.int(3, l.address);
      for (const [fn, line] of l.lines ?? []) m.message(4, (ln) => ln.int(1, fn).int(2, line));
    });
  }
  for (const f of c.functions) {
    w.message(5, (m) => m.int(1, f.id).int(2, f.name).int(3, f.systemName ?? 0).int(4, f.filename ?? 0));
  }
  for (const s of c.strings) w.string(6, s);
  if (c.timeNanos !== undefined) w.int(9, c.timeNanos);
  if (c.durationNanos !== undefined) w.int(10, c.durationNanos);
  if (c.periodType) {
    const [type, unit] = c.periodType;
    w.message(11, (m) => m.int(1, type).int(2, unit));
  }
  if (c.period !== undefined) w.int(12, c.period);
  c.extra?.(w);
  return w.finish();
}

/** A small valid profile to vary in tests: two functions, two locations, two samples, cpu/nanoseconds. */
export function basicProfile(): CraftProfile {
  return {
    strings: ['', 'cpu', 'nanoseconds', 'main', 'work', 'main.go'],
    sampleTypes: [[1, 2]],
    samples: [
      { locations: [2, 1], values: [10] },
      { locations: [1], values: [5] },
    ],
    locations: [
      { id: 1, lines: [[1, 10]] },
      { id: 2, lines: [[2, 20]] },
    ],
    functions: [
      { id: 1, name: 3, filename: 5 },
      { id: 2, name: 4, filename: 5 },
    ],
    periodType: [1, 2],
    period: 10_000_000,
    timeNanos: 1_700_000_000_123_456_789n,
  };
}
