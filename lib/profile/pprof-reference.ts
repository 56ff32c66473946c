/**
 * The reference decoder: pprof-format (Datadog's pure-JS pprof codec) turned into the same columns as our reader.
 * Slow (an object per sample, line and label; every string decoded) but independent of our wire-format code, so
 * tests use it as the oracle for pprof-reader.ts. Not for the ingest path.
 */
import { Profile } from 'pprof-format';
import { isHotpathError } from '../errors.ts';
import { ArrayStringTable, MAX_ID, type PprofColumns, type ValueTypeRef } from './decoded-pprof.ts';
import { invalidProfile } from './proto-reader.ts';

type Numeric = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** pprof-format hands int64 back unsigned (and 10-byte varints unmasked): reinterpret as signed int64. */
function signed(v: Numeric, what: string): number {
  const b = BigInt.asIntN(64, BigInt(v));
  if (b > MAX_SAFE || b < -MAX_SAFE) throw invalidProfile(`${what} out of range (|v| > 2^53 - 1)`);
  return Number(b);
}

/** Ids: uint32 (see decoded-pprof.ts). */
function id(v: Numeric, what: string): number {
  const b = BigInt.asUintN(64, BigInt(v));
  if (b > BigInt(MAX_ID)) throw invalidProfile(`${what} out of range (>= 2^32)`);
  return Number(b);
}

function stringIndex(v: Numeric): number {
  const b = BigInt.asUintN(64, BigInt(v));
  return b > BigInt(MAX_ID) ? MAX_ID : Number(b);
}

function hi(v: Numeric): number {
  return Number(BigInt.asUintN(64, BigInt(v)) >> 32n);
}

function lo(v: Numeric): number {
  return Number(BigInt.asUintN(64, BigInt(v)) & 0xffffffffn);
}

function valueType(v: { type: Numeric; unit: Numeric }): ValueTypeRef {
  return { type: stringIndex(v.type), unit: stringIndex(v.unit) };
}

export function readPprofReference(bytes: Uint8Array): PprofColumns {
  let p: Profile;
  try {
    p = Profile.decode(bytes);
  } catch (err) {
    throw invalidProfile(`pprof-format cannot decode it: ${(err as Error).message}`);
  }
  try {
    return toColumns(p, bytes.length);
  } catch (err) {
    if (isHotpathError(err)) throw err;
    // Garbage that pprof-format accepted but left with missing or odd fields.
    throw invalidProfile(`pprof-format produced an unusable profile: ${(err as Error).message}`);
  }
}

const u32 = <T>(rows: readonly T[], f: (row: T) => number): Uint32Array => Uint32Array.from(rows, f);
const f64 = <T>(rows: readonly T[], f: (row: T) => number): Float64Array => Float64Array.from(rows, f);

function toColumns(p: Profile, byteLength: number): PprofColumns {
  const locationIds: number[] = [];
  const values: number[] = [];
  const locationStart = [0];
  const valueStart = [0];
  for (const sample of p.sample) {
    for (const v of sample.locationId) locationIds.push(id(v, 'location id'));
    for (const v of sample.value) values.push(signed(v, 'sample value'));
    locationStart.push(locationIds.length);
    valueStart.push(values.length);
  }

  const lineFunctionIds: number[] = [];
  const lineNumbers: number[] = [];
  const lineStart = [0];
  for (const l of p.location) {
    for (const line of l.line) {
      lineFunctionIds.push(id(line.functionId, 'function id'));
      lineNumbers.push(signed(line.line, 'line number'));
    }
    lineStart.push(lineFunctionIds.length);
  }

  const locs = p.location;
  const fns = p.function;
  const maps = p.mapping;
  return {
    byteLength,
    strings: new ArrayStringTable(p.stringTable.strings),
    sampleTypes: p.sampleType.map(valueType),
    periodType: p.periodType ? valueType(p.periodType) : null,
    period: BigInt.asIntN(64, BigInt(p.period)),
    timeNanos: BigInt.asIntN(64, BigInt(p.timeNanos)),
    durationNanos: BigInt.asIntN(64, BigInt(p.durationNanos)),
    defaultSampleType: stringIndex(p.defaultSampleType),
    samples: {
      count: p.sample.length,
      locationStart: Uint32Array.from(locationStart),
      locationIds: Uint32Array.from(locationIds),
      valueStart: Uint32Array.from(valueStart),
      values: Float64Array.from(values),
    },
    locations: {
      count: locs.length,
      id: u32(locs, (l) => id(l.id, 'location id')),
      mappingId: u32(locs, (l) => id(l.mappingId, 'mapping id')),
      addressHi: u32(locs, (l) => hi(l.address)),
      addressLo: u32(locs, (l) => lo(l.address)),
      lineStart: Uint32Array.from(lineStart),
      isFolded: Uint8Array.from(locs, (l) => (l.isFolded ? 1 : 0)),
    },
    lines: { functionId: Uint32Array.from(lineFunctionIds), line: Float64Array.from(lineNumbers) },
    functions: {
      count: fns.length,
      id: u32(fns, (f) => id(f.id, 'function id')),
      name: u32(fns, (f) => stringIndex(f.name)),
      systemName: u32(fns, (f) => stringIndex(f.systemName)),
      filename: u32(fns, (f) => stringIndex(f.filename)),
      startLine: f64(fns, (f) => signed(f.startLine, 'Function.start_line')),
    },
    mappings: {
      count: maps.length,
      id: u32(maps, (m) => id(m.id, 'mapping id')),
      memoryStartHi: u32(maps, (m) => hi(m.memoryStart)),
      memoryStartLo: u32(maps, (m) => lo(m.memoryStart)),
      memoryLimitHi: u32(maps, (m) => hi(m.memoryLimit)),
      memoryLimitLo: u32(maps, (m) => lo(m.memoryLimit)),
      fileOffsetHi: u32(maps, (m) => hi(m.fileOffset)),
      fileOffsetLo: u32(maps, (m) => lo(m.fileOffset)),
      filename: u32(maps, (m) => stringIndex(m.filename)),
      buildId: u32(maps, (m) => stringIndex(m.buildId)),
    },
  };
}
