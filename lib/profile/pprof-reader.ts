/**
 * Our lean reader of profile.proto (github.com/google/pprof/proto/profile.proto) into typed-array columns
 * (decoded-pprof.ts). It exists for speed — pprof-format builds an object per sample, line and label and decodes
 * every string; this reader builds none of those, skips sample labels, and leaves strings undecoded until
 * normalization asks for them. Correctness is pinned by the test that compares it with pprof-format on every test
 * profile. It does not check references; resolvePprof does that for both decoders.
 *
 * Two passes: a pre-scan hops over the top-level fields (one tag and one length each) to count samples, locations,
 * functions, mappings and strings, so the columns are allocated once at the right size; the main pass fills them.
 *
 * Field numbers (profile.proto): Profile sample_type=1 sample=2 mapping=3 location=4 function=5 string_table=6
 * drop_frames=7 keep_frames=8 time_nanos=9 duration_nanos=10 period_type=11 period=12 comment=13
 * default_sample_type=14 doc_url=15; ValueType type=1 unit=2; Sample location_id=1 value=2 label=3; Mapping id=1
 * memory_start=2 memory_limit=3 file_offset=4 filename=5 build_id=6; Location id=1 mapping_id=2 address=3 line=4
 * is_folded=5; Line function_id=1 line=2; Function id=1 name=2 system_name=3 filename=4 start_line=5.
 */
import {
  clampStringIndex,
  LazyStringTable,
  type FunctionColumns,
  type LocationColumns,
  type MappingColumns,
  type PprofColumns,
  type ValueTypeRef,
} from './decoded-pprof.ts';
import { invalidProfile, overrun, ProtoReader, WIRE_LEN, WIRE_VARINT, wrongWireType } from './proto-reader.ts';
import { f64, u32, u8 } from './scratch-arrays.ts';

// Tags (field << 3 | wire type) of sub-message fields, matched directly in switches.
const TAG_1_VARINT = 0x08;
const TAG_1_LEN = 0x0a;
const TAG_2_VARINT = 0x10;
const TAG_2_LEN = 0x12;
const TAG_3_VARINT = 0x18;
const TAG_4_VARINT = 0x20;
const TAG_4_LEN = 0x22;
const TAG_5_VARINT = 0x28;
const TAG_6_VARINT = 0x30;

function readTag(r: ProtoReader): number {
  const at = r.pos;
  const tag = r.uint('field tag');
  if (tag > 0xffffffff || tag < 8) throw invalidProfile(`invalid field tag ${tag} at byte ${at} — not a pprof protobuf`);
  return tag;
}

/** Skips an unknown (or unused) field of a sub-message. */
function skipField(r: ProtoReader, tag: number): void {
  r.skip(tag & 7, tag >>> 3);
}

/** A copy of `a` with room for at least `need` entries (grows by half, so refills stay rare). */
function growU32(a: Uint32Array, used: number, need: number): Uint32Array {
  const b = u32(Math.max(need, Math.ceil(a.length * 1.5) + 64));
  b.set(a.subarray(0, used));
  return b;
}

function growF64(a: Float64Array, used: number, need: number): Float64Array {
  const b = f64(Math.max(need, Math.ceil(a.length * 1.5) + 64));
  b.set(a.subarray(0, used));
  return b;
}

interface TopLevelCounts {
  sampleTypes: number;
  samples: number;
  sampleBytes: number;
  locations: number;
  functions: number;
  mappings: number;
  strings: number;
}

/** Names of Profile's length-delimited fields, for error messages. */
const PROFILE_FIELDS: Record<number, string> = {
  1: 'sample_type',
  2: 'sample',
  3: 'mapping',
  4: 'location',
  5: 'function',
  6: 'string_table entry',
  11: 'period_type',
  15: 'doc_url',
};

/** Pass 1: counts the repeated top-level fields, checking that every field stays inside the buffer. */
function prescan(bytes: Uint8Array): TopLevelCounts {
  const r = new ProtoReader(bytes);
  const end = bytes.length;
  const c: TopLevelCounts = { sampleTypes: 0, samples: 0, sampleBytes: 0, locations: 0, functions: 0, mappings: 0, strings: 0 };
  while (r.pos < end) {
    const tag = readTag(r);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType !== WIRE_LEN) {
      r.skip(wireType, field);
      continue;
    }
    const fieldEnd = r.lengthEnd(end, PROFILE_FIELDS[field] ?? `field ${field}`);
    switch (field) {
      case 1:
        c.sampleTypes++;
        break;
      case 2:
        c.samples++;
        c.sampleBytes += fieldEnd - r.pos;
        break;
      case 3:
        c.mappings++;
        break;
      case 4:
        c.locations++;
        break;
      case 5:
        c.functions++;
        break;
      case 6:
        c.strings++;
        break;
    }
    r.pos = fieldEnd;
  }
  if (r.pos !== end) throw overrun('profile', end, r.pos);
  return c;
}

/** Pass 2 state: the sample and line columns grow; the others are sized exactly by the pre-scan. */
class Sink {
  sampleCount = 0;
  readonly locationStart: Uint32Array;
  readonly valueStart: Uint32Array;
  locationIds: Uint32Array;
  locationIdCount = 0;
  values: Float64Array;
  valueCount = 0;

  readonly locations: LocationColumns;
  lineFunctionId: Uint32Array;
  lineNumber: Float64Array;
  lineCount = 0;
  readonly functions: FunctionColumns;
  readonly mappings: MappingColumns;
  readonly strStarts: Uint32Array;
  readonly strEnds: Uint32Array;
  strCount = 0;

  constructor(c: TopLevelCounts) {
    this.locationStart = u32(c.samples + 1);
    this.valueStart = u32(c.samples + 1);
    // A location id takes at least one byte; most take two. Values: one per sample type when the profile is valid,
    // and never more than the sample bytes (so a hostile count of sample types cannot inflate the allocation).
    this.locationIds = u32(Math.ceil(c.sampleBytes / 2) + 64);
    this.values = f64(Math.min(c.samples * c.sampleTypes, c.sampleBytes) + 64);
    const L = c.locations;
    this.locations = {
      count: 0,
      id: u32(L),
      mappingId: u32(L),
      addressHi: u32(L),
      addressLo: u32(L),
      lineStart: u32(L + 1),
      isFolded: u8(L),
    };
    this.lineFunctionId = u32(L + (L >> 2) + 64);
    this.lineNumber = f64(this.lineFunctionId.length);
    const F = c.functions;
    this.functions = {
      count: 0,
      id: u32(F),
      name: u32(F),
      systemName: u32(F),
      filename: u32(F),
      startLine: f64(F),
    };
    const M = c.mappings;
    this.mappings = {
      count: 0,
      id: u32(M),
      memoryStartHi: u32(M),
      memoryStartLo: u32(M),
      memoryLimitHi: u32(M),
      memoryLimitLo: u32(M),
      fileOffsetHi: u32(M),
      fileOffsetLo: u32(M),
      filename: u32(M),
      buildId: u32(M),
    };
    this.strStarts = u32(c.strings);
    this.strEnds = u32(c.strings);
  }
}

export function readPprof(bytes: Uint8Array): PprofColumns {
  const sink = new Sink(prescan(bytes));
  const r = new ProtoReader(bytes);
  const end = bytes.length;
  const sampleTypes: ValueTypeRef[] = [];
  let periodType: ValueTypeRef | null = null;
  let period = 0n;
  let timeNanos = 0n;
  let durationNanos = 0n;
  let defaultSampleType = 0;

  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r);
    const field = tag >>> 3;
    const wireType = tag & 7;
    switch (field) {
      case 1:
        if (wireType !== WIRE_LEN) throw wrongWireType('Profile.sample_type', field, wireType, at);
        sampleTypes.push(readValueType(r, r.lengthEnd(end, 'sample_type')));
        break;
      case 2:
        if (wireType !== WIRE_LEN) throw wrongWireType('Profile.sample', field, wireType, at);
        readSample(r, r.lengthEnd(end, 'sample'), sink);
        break;
      case 3:
        if (wireType !== WIRE_LEN) throw wrongWireType('Profile.mapping', field, wireType, at);
        readMapping(r, r.lengthEnd(end, 'mapping'), sink.mappings);
        break;
      case 4:
        if (wireType !== WIRE_LEN) throw wrongWireType('Profile.location', field, wireType, at);
        readLocation(r, r.lengthEnd(end, 'location'), sink);
        break;
      case 5:
        if (wireType !== WIRE_LEN) throw wrongWireType('Profile.function', field, wireType, at);
        readFunction(r, r.lengthEnd(end, 'function'), sink.functions);
        break;
      case 6: {
        if (wireType !== WIRE_LEN) throw wrongWireType('Profile.string_table', field, wireType, at);
        const strEnd = r.lengthEnd(end, 'string_table entry');
        sink.strStarts[sink.strCount] = r.pos;
        sink.strEnds[sink.strCount] = strEnd;
        sink.strCount++;
        r.pos = strEnd;
        break;
      }
      case 9:
        if (wireType !== WIRE_VARINT) throw wrongWireType('Profile.time_nanos', field, wireType, at);
        timeNanos = r.int64();
        break;
      case 10:
        if (wireType !== WIRE_VARINT) throw wrongWireType('Profile.duration_nanos', field, wireType, at);
        durationNanos = r.int64();
        break;
      case 11:
        if (wireType !== WIRE_LEN) throw wrongWireType('Profile.period_type', field, wireType, at);
        periodType = readValueType(r, r.lengthEnd(end, 'period_type'));
        break;
      case 12:
        if (wireType !== WIRE_VARINT) throw wrongWireType('Profile.period', field, wireType, at);
        period = r.int64();
        break;
      case 14:
        if (wireType !== WIRE_VARINT) throw wrongWireType('Profile.default_sample_type', field, wireType, at);
        defaultSampleType = clampStringIndex(r.uint('default_sample_type string index'));
        break;
      default:
        // drop_frames, keep_frames, comment, doc_url (unused) and fields newer than this reader.
        r.skip(wireType, field);
    }
  }
  if (r.pos !== end) throw overrun('profile', end, r.pos);

  const n = sink.sampleCount;
  const loc = sink.locations;
  return {
    byteLength: bytes.length,
    strings: new LazyStringTable(bytes, sink.strStarts, sink.strEnds),
    sampleTypes,
    periodType,
    period,
    timeNanos,
    durationNanos,
    defaultSampleType,
    samples: {
      count: n,
      locationStart: sink.locationStart,
      locationIds: sink.locationIds.subarray(0, sink.locationIdCount),
      valueStart: sink.valueStart,
      values: sink.values.subarray(0, sink.valueCount),
    },
    locations: loc,
    lines: {
      functionId: sink.lineFunctionId.subarray(0, sink.lineCount),
      line: sink.lineNumber.subarray(0, sink.lineCount),
    },
    functions: sink.functions,
    mappings: sink.mappings,
  };
}

function readValueType(r: ProtoReader, end: number): ValueTypeRef {
  let type = 0;
  let unit = 0;
  while (r.pos < end) {
    const tag = readTag(r);
    if (tag === TAG_1_VARINT) type = clampStringIndex(r.uint('ValueType.type string index'));
    else if (tag === TAG_2_VARINT) unit = clampStringIndex(r.uint('ValueType.unit string index'));
    else skipField(r, tag);
  }
  if (r.pos !== end) throw overrun('ValueType', end, r.pos);
  return { type, unit };
}

/** The hot loop: a profile is mostly samples. location_id and value may each be packed or not. */
function readSample(r: ProtoReader, end: number, s: Sink): void {
  while (r.pos < end) {
    const tag = readTag(r);
    switch (tag) {
      case TAG_1_LEN: {
        const fieldEnd = r.lengthEnd(end, 'Sample.location_id');
        // Each id takes at least a byte: the field's length bounds how many it holds.
        let n = s.locationIdCount;
        if (n + fieldEnd - r.pos > s.locationIds.length) s.locationIds = growU32(s.locationIds, n, n + fieldEnd - r.pos);
        const ids = s.locationIds;
        while (r.pos < fieldEnd) ids[n++] = r.uint32('location id');
        if (r.pos !== fieldEnd) throw overrun('Sample.location_id', fieldEnd, r.pos);
        s.locationIdCount = n;
        break;
      }
      case TAG_1_VARINT: {
        const n = s.locationIdCount;
        if (n === s.locationIds.length) s.locationIds = growU32(s.locationIds, n, n + 1);
        s.locationIds[n] = r.uint32('location id');
        s.locationIdCount = n + 1;
        break;
      }
      case TAG_2_LEN: {
        const fieldEnd = r.lengthEnd(end, 'Sample.value');
        let n = s.valueCount;
        if (n + fieldEnd - r.pos > s.values.length) s.values = growF64(s.values, n, n + fieldEnd - r.pos);
        const values = s.values;
        while (r.pos < fieldEnd) values[n++] = r.int('sample value');
        if (r.pos !== fieldEnd) throw overrun('Sample.value', fieldEnd, r.pos);
        s.valueCount = n;
        break;
      }
      case TAG_2_VARINT: {
        const n = s.valueCount;
        if (n === s.values.length) s.values = growF64(s.values, n, n + 1);
        s.values[n] = r.int('sample value');
        s.valueCount = n + 1;
        break;
      }
      default:
        // label (3): sample labels never become series labels (compat.md "Labels"), so they are not decoded.
        skipField(r, tag);
    }
  }
  if (r.pos !== end) throw overrun('Sample', end, r.pos);
  const i = ++s.sampleCount;
  s.locationStart[i] = s.locationIdCount;
  s.valueStart[i] = s.valueCount;
}

function readLocation(r: ProtoReader, end: number, s: Sink): void {
  let id = 0;
  let mappingId = 0;
  let addressHi = 0;
  let addressLo = 0;
  let isFolded = false;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (tag) {
      case TAG_1_VARINT:
        id = r.uint32('location id');
        break;
      case TAG_2_VARINT:
        mappingId = r.uint32('mapping id');
        break;
      case TAG_3_VARINT:
        r.readSplit();
        addressHi = r.hi;
        addressLo = r.lo;
        break;
      case TAG_4_LEN:
        readLine(r, r.lengthEnd(end, 'Location.line'), s);
        break;
      case TAG_5_VARINT:
        isFolded = r.bool();
        break;
      default:
        skipField(r, tag);
    }
  }
  if (r.pos !== end) throw overrun('Location', end, r.pos);
  const loc = s.locations;
  const i = loc.count++;
  loc.id[i] = id;
  loc.mappingId[i] = mappingId;
  loc.addressHi[i] = addressHi;
  loc.addressLo[i] = addressLo;
  loc.isFolded[i] = isFolded ? 1 : 0;
  loc.lineStart[i + 1] = s.lineCount;
}

function readLine(r: ProtoReader, end: number, s: Sink): void {
  let functionId = 0;
  let line = 0;
  while (r.pos < end) {
    const tag = readTag(r);
    if (tag === TAG_1_VARINT) functionId = r.uint32('function id');
    else if (tag === TAG_2_VARINT) line = r.int('line number');
    else skipField(r, tag);
  }
  if (r.pos !== end) throw overrun('Line', end, r.pos);
  const n = s.lineCount;
  if (n === s.lineFunctionId.length) {
    s.lineFunctionId = growU32(s.lineFunctionId, n, n + 1);
    s.lineNumber = growF64(s.lineNumber, n, s.lineFunctionId.length);
  }
  s.lineFunctionId[n] = functionId;
  s.lineNumber[n] = line;
  s.lineCount = n + 1;
}

function readFunction(r: ProtoReader, end: number, fn: FunctionColumns): void {
  let id = 0;
  let name = 0;
  let systemName = 0;
  let filename = 0;
  let startLine = 0;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (tag) {
      case TAG_1_VARINT:
        id = r.uint32('function id');
        break;
      case TAG_2_VARINT:
        name = clampStringIndex(r.uint('Function.name string index'));
        break;
      case TAG_3_VARINT:
        systemName = clampStringIndex(r.uint('Function.system_name string index'));
        break;
      case TAG_4_VARINT:
        filename = clampStringIndex(r.uint('Function.filename string index'));
        break;
      case TAG_5_VARINT:
        startLine = r.int('Function.start_line');
        break;
      default:
        skipField(r, tag);
    }
  }
  if (r.pos !== end) throw overrun('Function', end, r.pos);
  const i = fn.count++;
  fn.id[i] = id;
  fn.name[i] = name;
  fn.systemName[i] = systemName;
  fn.filename[i] = filename;
  fn.startLine[i] = startLine;
}

function readMapping(r: ProtoReader, end: number, m: MappingColumns): void {
  let id = 0;
  let startHi = 0;
  let startLo = 0;
  let limitHi = 0;
  let limitLo = 0;
  let offsetHi = 0;
  let offsetLo = 0;
  let filename = 0;
  let buildId = 0;
  while (r.pos < end) {
    const tag = readTag(r);
    switch (tag) {
      case TAG_1_VARINT:
        id = r.uint32('mapping id');
        break;
      case TAG_2_VARINT:
        r.readSplit();
        startHi = r.hi;
        startLo = r.lo;
        break;
      case TAG_3_VARINT:
        r.readSplit();
        limitHi = r.hi;
        limitLo = r.lo;
        break;
      case TAG_4_VARINT:
        r.readSplit();
        offsetHi = r.hi;
        offsetLo = r.lo;
        break;
      case TAG_5_VARINT:
        filename = clampStringIndex(r.uint('Mapping.filename string index'));
        break;
      case TAG_6_VARINT:
        buildId = clampStringIndex(r.uint('Mapping.build_id string index'));
        break;
      default:
        // has_functions, has_filenames, has_line_numbers, has_inline_frames: not needed.
        skipField(r, tag);
    }
  }
  if (r.pos !== end) throw overrun('Mapping', end, r.pos);
  const i = m.count++;
  m.id[i] = id;
  m.memoryStartHi[i] = startHi;
  m.memoryStartLo[i] = startLo;
  m.memoryLimitHi[i] = limitHi;
  m.memoryLimitLo[i] = limitLo;
  m.fileOffsetHi[i] = offsetHi;
  m.fileOffsetLo[i] = offsetLo;
  m.filename[i] = filename;
  m.buildId[i] = buildId;
}
