/**
 * The wire schemas against the facts of compat-details.md §2–3 and pprof / OTLP: field numbers and wire types are
 * read back from encoded bytes with a wire reader written here (independent of protobufjs), client bytes written by
 * hand are decoded, pprof is cross-checked with pprof-format (an independent implementation), and JSON follows
 * protobuf's JSON mapping both ways.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Function as PfFunction, Label as PfLabel, Line as PfLine, Location as PfLocation, Mapping as PfMapping, Profile as PfProfile, Sample as PfSample, StringTable, ValueType as PfValueType } from 'pprof-format';
import protobuf from 'protobufjs';
import { isHotpathError } from '../lib/errors.ts';
import {
  BusProfile,
  decodeMessage,
  DiffRequest,
  DiffResponse,
  encodeMessage,
  ExportProfilesServiceRequest,
  ExportProfilesServiceResponse,
  FlameGraph,
  FlameGraphDiff,
  fromJson,
  fromJsonString,
  GetProfileStatsResponse,
  GoPGO,
  LabelNamesRequest,
  LabelNamesResponse,
  LabelPair,
  Labels,
  LabelValuesRequest,
  LabelValuesResponse,
  Level,
  lookupMessage,
  Point,
  PprofProfile,
  PROTO_FILES,
  ProfileType,
  ProfileTypesRequest,
  ProfileTypesResponse,
  PushRequest,
  PushResponse,
  RawSample,
  root,
  SCHEMAS_DIR,
  SelectMergeProfileRequest,
  SelectMergeSpanProfileRequest,
  SelectMergeStacktracesRequest,
  SelectMergeStacktracesResponse,
  SelectSeriesRequest,
  SelectSeriesResponse,
  Series,
  SeriesRequest,
  SeriesResponse,
  StackTraceSelector,
  toJson,
  toJsonString,
  type PlainMessage,
} from './index.ts';

// ---- an independent protobuf wire reader / writer ----

const VARINT = 0;
const I64 = 1;
const LEN = 2;

interface WireField {
  field: number;
  wireType: number;
  /** varint and fixed64 as unsigned bigint; length-delimited as the payload bytes. */
  value: bigint | Uint8Array;
}

function readWire(bytes: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated varint');
      const b = bytes[pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === VARINT) out.push({ field, wireType, value: varint() });
    else if (wireType === I64) {
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]!);
      pos += 8;
      out.push({ field, wireType, value: v });
    } else if (wireType === LEN) {
      const len = Number(varint());
      out.push({ field, wireType, value: bytes.subarray(pos, pos + len) });
      pos += len;
    } else if (wireType === 5) {
      let v = 0n;
      for (let i = 3; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]!);
      pos += 4;
      out.push({ field, wireType, value: v });
    } else throw new Error(`wire type ${wireType}`);
  }
  return out;
}

/** [field, wire type] of each field, in wire order. */
const shape = (bytes: Uint8Array) => readWire(bytes).map((f) => [f.field, f.wireType]);
const payload = (f: WireField | undefined): Uint8Array => {
  assert.ok(f && f.value instanceof Uint8Array, 'expected a length-delimited field');
  return f.value;
};
const text = (f: WireField | undefined) => Buffer.from(payload(f)).toString('utf8');
/** Packed varints of a length-delimited payload. */
function packedVarints(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let v = 0n;
  let shift = 0n;
  for (const b of bytes) {
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) {
      out.push(v);
      v = 0n;
      shift = 0n;
    }
  }
  return out;
}

type WireValue = number | bigint | string | Uint8Array | WireValue[][];
/** Builds message bytes from [field, value] pairs: numbers/bigints as varints, strings/bytes and nested lists as LEN. */
function writeWire(fields: [number, WireValue][]): Uint8Array {
  const parts: number[] = [];
  const varint = (v: bigint) => {
    while (v > 0x7fn) {
      parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    parts.push(Number(v));
  };
  for (const [field, value] of fields) {
    if (typeof value === 'number' || typeof value === 'bigint') {
      varint(BigInt((field << 3) | VARINT));
      varint(BigInt(value));
    } else {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value instanceof Uint8Array ? value : writeWire(value as [number, WireValue][]);
      varint(BigInt((field << 3) | LEN));
      varint(BigInt(bytes.length));
      parts.push(...bytes);
    }
  }
  return Uint8Array.from(parts);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fieldShape = (type: protobuf.Type, obj: PlainMessage) => shape(encodeMessage(type, obj));

// ---- tests ----

describe('loading', () => {
  it('loads every schema file and resolves every message and enum', () => {
    assert.equal(PROTO_FILES.length, 9);
    const names = new Set<string>();
    const walk = (ns: protobuf.NamespaceBase) => {
      for (const nested of ns.nestedArray) {
        if (nested instanceof protobuf.Type) names.add(nested.fullName);
        if (nested instanceof protobuf.Namespace) walk(nested);
      }
    };
    walk(root);
    for (const expected of [
      '.push.v1.PushRequest',
      '.types.v1.LabelPair',
      '.querier.v1.SelectMergeStacktracesRequest',
      '.google.v1.Profile',
      '.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest',
      '.opentelemetry.proto.profiles.v1development.ProfilesDictionary',
      '.opentelemetry.proto.common.v1.AnyValue',
      '.opentelemetry.proto.resource.v1.Resource',
      '.hotpath.bus.v1.NormalizedProfile',
    ]) {
      assert.ok(names.has(expected), `${expected} is loaded`);
    }
  });

  it('names a missing type', () => {
    assert.throws(() => lookupMessage('push.v1.Nope'), { message: `no message type push.v1.Nope in Hotpath's schemas (${SCHEMAS_DIR})` });
  });

  it('declares the services clients call', () => {
    assert.deepEqual(Object.keys(root.lookupService('push.v1.PusherService').methods), ['Push']);
    const querier = root.lookupService('querier.v1.QuerierService').methods;
    for (const m of ['ProfileTypes', 'LabelNames', 'LabelValues', 'Series', 'SelectMergeStacktraces', 'SelectMergeProfile', 'SelectSeries', 'Diff', 'GetProfileStats']) {
      assert.ok(querier[m], m);
    }
    assert.equal(querier.SelectMergeProfile!.responseType, 'google.v1.Profile');
    assert.deepEqual(Object.keys(root.lookupService('opentelemetry.proto.collector.profiles.v1development.ProfilesService').methods), ['Export']);
  });
});

describe('push.v1 field numbers', () => {
  const raw = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0xff]);

  it('PushRequest with one series: series=1; labels=1, samples=2, annotations=3; raw_profile=1, ID=2', () => {
    const bytes = encodeMessage(PushRequest, {
      series: [
        {
          labels: [
            { name: 'service_name', value: 'x' },
            { name: '__name__', value: 'process_cpu' },
          ],
          samples: [{ rawProfile: raw, ID: '734FD599-6865-419E-9475-932762D8F469' }],
          annotations: [{ key: 'k', value: 'v' }],
        },
      ],
    });
    const top = readWire(bytes);
    assert.deepEqual(top.map((f) => [f.field, f.wireType]), [[1, LEN]]);
    const series = readWire(payload(top[0]));
    assert.deepEqual(series.map((f) => [f.field, f.wireType]), [[1, LEN], [1, LEN], [2, LEN], [3, LEN]]);
    const label0 = readWire(payload(series[0]));
    assert.deepEqual(label0.map((f) => [f.field, text(f)]), [[1, 'service_name'], [2, 'x']]);
    const label1 = readWire(payload(series[1]));
    assert.deepEqual(label1.map((f) => [f.field, text(f)]), [[1, '__name__'], [2, 'process_cpu']]);
    const sample = readWire(payload(series[2]));
    assert.deepEqual(sample.map((f) => f.field), [1, 2]);
    assert.equal(hex(payload(sample[0])), '1f8b0800ff');
    assert.equal(text(sample[1]), '734FD599-6865-419E-9475-932762D8F469');
    const annotation = readWire(payload(series[3]));
    assert.deepEqual(annotation.map((f) => [f.field, text(f)]), [[1, 'k'], [2, 'v']]);
  });

  it('encodes small messages byte for byte', () => {
    assert.equal(hex(encodeMessage(RawSample, { rawProfile: Uint8Array.from([1, 2, 3]), ID: 'u1' })), '0a03010203' + '12027531');
    assert.equal(hex(encodeMessage(LabelPair, { name: 'a', value: 'b' })), '0a0161' + '120162');
    assert.equal(encodeMessage(PushResponse, {}).length, 0);
  });

  it('decodes a PushRequest written by hand as a client writes it', () => {
    const bytes = writeWire([
      [
        1,
        [
          [1, [[1, 'service_name'], [2, 'checkout']]],
          [1, [[1, 'otel.scope.name'], [2, 'com.grafana.alloy/pyroscope.ebpf']]],
          [2, [[1, raw], [2, 'sample-1']]],
          [2, [[1, Uint8Array.from([9])]]],
        ],
      ],
    ]);
    const msg = decodeMessage<{ series: { labels: { name: string; value: string }[]; samples: { rawProfile: Uint8Array; ID?: string }[]; annotations: unknown[] }[] }>(PushRequest, bytes);
    assert.equal(msg.series.length, 1);
    assert.deepEqual(msg.series[0]!.labels, [
      { name: 'service_name', value: 'checkout' },
      { name: 'otel.scope.name', value: 'com.grafana.alloy/pyroscope.ebpf' },
    ]);
    assert.equal(msg.series[0]!.samples.length, 2);
    assert.equal(hex(msg.series[0]!.samples[0]!.rawProfile), '1f8b0800ff');
    assert.equal(msg.series[0]!.samples[0]!.ID, 'sample-1');
    assert.equal(hex(msg.series[0]!.samples[1]!.rawProfile), '09');
    assert.equal(msg.series[0]!.samples[1]!.ID, undefined);
    assert.deepEqual(msg.series[0]!.annotations, []);
  });

  it('an empty body is the empty PushRequest; garbage is refused naming the type', () => {
    assert.deepEqual(decodeMessage(PushRequest, new Uint8Array(0)), { series: [] });
    assert.throws(
      () => decodeMessage(PushRequest, Buffer.from('not a protobuf at all')),
      (e: unknown) => isHotpathError(e) && e.code === 'bad_request' && e.message === 'cannot decode push.v1.PushRequest (21 bytes): invalid wire type 6 at offset 1',
    );
  });
});

describe('types.v1 and querier.v1 field numbers', () => {
  const cases: [string, protobuf.Type, PlainMessage, number[][]][] = [
    ['ProfileType (3 unused)', ProfileType, { ID: 'i', name: 'n', sampleType: 'st', sampleUnit: 'su', periodType: 'pt', periodUnit: 'pu' }, [[1, LEN], [2, LEN], [4, LEN], [5, LEN], [6, LEN], [7, LEN]]],
    ['Labels', Labels, { labels: [{ name: 'a', value: 'b' }] }, [[1, LEN]]],
    ['Series', Series, { labels: [{ name: 'a', value: 'b' }], points: [{ value: 1, timestamp: 2 }] }, [[1, LEN], [2, LEN]]],
    ['Point (value double, timestamp ms)', Point, { value: 1.5, timestamp: 1_700_000_000_000 }, [[1, I64], [2, VARINT]]],
    ['StackTraceSelector', StackTraceSelector, { callSite: [{ name: 'main' }], goPgo: { keepLocations: 1 } }, [[1, LEN], [2, LEN]]],
    ['GoPGO', GoPGO, { keepLocations: 5, aggregateCallees: true }, [[1, VARINT], [2, VARINT]]],
    ['LabelNamesRequest', LabelNamesRequest, { matchers: ['{}'], start: 1, end: 2 }, [[1, LEN], [2, VARINT], [3, VARINT]]],
    ['LabelNamesResponse', LabelNamesResponse, { names: ['a'] }, [[1, LEN]]],
    ['LabelValuesRequest', LabelValuesRequest, { name: 'n', matchers: ['{}'], start: 1, end: 2 }, [[1, LEN], [2, LEN], [3, VARINT], [4, VARINT]]],
    ['LabelValuesResponse', LabelValuesResponse, { names: ['a'] }, [[1, LEN]]],
    ['GetProfileStatsResponse', GetProfileStatsResponse, { dataIngested: true, oldestProfileTime: 1, newestProfileTime: 2 }, [[1, VARINT], [2, VARINT], [3, VARINT]]],
    ['ProfileTypesRequest', ProfileTypesRequest, { start: 1, end: 2 }, [[1, VARINT], [2, VARINT]]],
    ['ProfileTypesResponse', ProfileTypesResponse, { profileTypes: [{ ID: 'x' }] }, [[1, LEN]]],
    ['SeriesRequest', SeriesRequest, { matchers: ['{}'], labelNames: ['service_name'], start: 1, end: 2 }, [[1, LEN], [2, LEN], [3, VARINT], [4, VARINT]]],
    ['SeriesResponse (labels_set = 2)', SeriesResponse, { labelsSet: [{ labels: [{ name: 'a', value: 'b' }] }] }, [[2, LEN]]],
    [
      'SelectMergeStacktracesRequest (9 unused)',
      SelectMergeStacktracesRequest,
      { profileTypeID: 't', labelSelector: '{}', start: 1, end: 2, maxNodes: 3, format: 'PROFILE_FORMAT_FLAMEGRAPH', stackTraceSelector: { callSite: [{ name: 'main' }] }, profileIdSelector: ['p'], traceIdSelector: ['t'], spanSelector: ['s'] },
      [[1, LEN], [2, LEN], [3, VARINT], [4, VARINT], [5, VARINT], [6, VARINT], [7, LEN], [8, LEN], [10, LEN], [11, LEN]],
    ],
    ['SelectMergeStacktracesResponse', SelectMergeStacktracesResponse, { flamegraph: { total: 1 } }, [[1, LEN]]],
    [
      'SelectMergeSpanProfileRequest',
      SelectMergeSpanProfileRequest,
      { profileTypeID: 't', labelSelector: '{}', spanSelector: ['s'], start: 1, end: 2, maxNodes: 3, format: 1 },
      [[1, LEN], [2, LEN], [3, LEN], [4, VARINT], [5, VARINT], [6, VARINT], [7, VARINT]],
    ],
    [
      'SelectMergeProfileRequest',
      SelectMergeProfileRequest,
      { profileTypeID: 't', labelSelector: '{}', start: 1, end: 2, maxNodes: 3, stackTraceSelector: { goPgo: { keepLocations: 1 } }, profileIdSelector: ['p'], traceIdSelector: ['t'] },
      [[1, LEN], [2, LEN], [3, VARINT], [4, VARINT], [5, VARINT], [6, LEN], [7, LEN], [8, LEN]],
    ],
    [
      'SelectSeriesRequest (step double)',
      SelectSeriesRequest,
      { profileTypeID: 't', labelSelector: '{}', start: 1, end: 2, groupBy: ['pod'], step: 15, aggregation: 'TIME_SERIES_AGGREGATION_TYPE_AVERAGE', stackTraceSelector: { callSite: [] }, limit: 10, exemplarType: 'EXEMPLAR_TYPE_NONE' },
      [[1, LEN], [2, LEN], [3, VARINT], [4, VARINT], [5, LEN], [6, I64], [7, VARINT], [8, LEN], [9, VARINT], [10, VARINT]],
    ],
    ['SelectSeriesResponse', SelectSeriesResponse, { series: [{}] }, [[1, LEN]]],
    ['DiffRequest', DiffRequest, { left: { start: 1 }, right: { start: 2 } }, [[1, LEN], [2, LEN]]],
    ['DiffResponse', DiffResponse, { flamegraph: { total: 1 } }, [[1, LEN]]],
    ['FlameGraph', FlameGraph, { names: ['total'], levels: [{ values: [0, 1, 1, 0] }], total: 1, maxSelf: 1 }, [[1, LEN], [2, LEN], [3, VARINT], [4, VARINT]]],
    ['FlameGraphDiff', FlameGraphDiff, { names: ['total'], levels: [{ values: [0] }], total: 3, maxSelf: 2, leftTicks: 1, rightTicks: 2 }, [[1, LEN], [2, LEN], [3, VARINT], [4, VARINT], [5, VARINT], [6, VARINT]]],
    ['Level (packed)', Level, { values: [0, 4, 0, 0] }, [[1, LEN]]],
  ];
  for (const [name, type, obj, expected] of cases) {
    it(name, () => assert.deepEqual(fieldShape(type, obj), expected));
  }

  it('writes values where compat-details says: step as a double, enums by number, optional zero kept', () => {
    const fields = readWire(encodeMessage(SelectSeriesRequest, { step: 15, aggregation: 'TIME_SERIES_AGGREGATION_TYPE_AVERAGE', exemplarType: 'EXEMPLAR_TYPE_INDIVIDUAL', limit: 0 }));
    const byField = new Map(fields.map((f) => [f.field, f.value]));
    assert.equal(byField.get(6), 0x402e000000000000n); // 15.0 as an IEEE 754 double
    assert.equal(byField.get(7), 1n);
    assert.equal(byField.get(9), 0n); // proto3 `optional`: an explicit 0 is present
    assert.equal(byField.get(10), 2n);
    const format = readWire(encodeMessage(SelectMergeStacktracesRequest, { format: 'PROFILE_FORMAT_PPROF' }));
    assert.deepEqual(format.map((f) => [f.field, f.value]), [[6, 4n]]);
  });
});

describe('FlameGraph worked example (compat.md: a;b = 3, c;b = 1)', () => {
  const example = {
    names: ['total', 'c', 'b', 'a'],
    levels: [{ values: [0, 4, 0, 0] }, { values: [0, 3, 0, 3, 0, 1, 0, 1] }, { values: [0, 3, 3, 2, 0, 1, 1, 2] }],
    total: 4,
    maxSelf: 3,
  };

  it('encodes to the expected bytes and decodes back', () => {
    const bytes = encodeMessage(SelectMergeStacktracesResponse, { flamegraph: example });
    const top = readWire(bytes);
    assert.deepEqual(top.map((f) => [f.field, f.wireType]), [[1, LEN]]);
    const fg = readWire(payload(top[0]));
    assert.deepEqual(fg.map((f) => [f.field, f.wireType]), [[1, LEN], [1, LEN], [1, LEN], [1, LEN], [2, LEN], [2, LEN], [2, LEN], [3, VARINT], [4, VARINT]]);
    assert.deepEqual(fg.filter((f) => f.field === 1).map(text), ['total', 'c', 'b', 'a']);
    const levels = fg.filter((f) => f.field === 2).map((f) => readWire(payload(f)));
    // Each level is one packed field 1.
    assert.deepEqual(levels.map((l) => l.map((f) => [f.field, f.wireType])), [[[1, LEN]], [[1, LEN]], [[1, LEN]]]);
    assert.equal(hex(payload(levels[1]![0])), '0003000300010001');
    assert.deepEqual(levels.map((l) => packedVarints(payload(l[0]))), [[0n, 4n, 0n, 0n], [0n, 3n, 0n, 3n, 0n, 1n, 0n, 1n], [0n, 3n, 3n, 2n, 0n, 1n, 1n, 2n]]);
    assert.deepEqual(fg.slice(7).map((f) => f.value), [4n, 3n]);

    assert.deepEqual(decodeMessage(SelectMergeStacktracesResponse, bytes), {
      flamegraph: {
        names: ['total', 'c', 'b', 'a'],
        levels: [{ values: ['0', '4', '0', '0'] }, { values: ['0', '3', '0', '3', '0', '1', '0', '1'] }, { values: ['0', '3', '3', '2', '0', '1', '1', '2'] }],
        total: '4',
        maxSelf: '3',
      },
    });
  });

  it('prints the protobuf JSON Grafana and the Pyroscope UI read', () => {
    assert.equal(
      toJsonString(SelectMergeStacktracesResponse, { flamegraph: example }),
      '{"flamegraph":{"names":["total","c","b","a"],"levels":[{"values":["0","4","0","0"]},{"values":["0","3","0","3","0","1","0","1"]},{"values":["0","3","3","2","0","1","1","2"]}],"total":"4","maxSelf":"3"}}',
    );
  });

  it('FlameGraphDiff keeps 7 numbers per node and its camel-case tick names', () => {
    const diff = { names: ['total', 'a'], levels: [{ values: [0, 3, 0, 0, 5, 0, 0] }, { values: [0, 3, 3, 0, 5, 5, 1] }], total: 8, maxSelf: 5, leftTicks: 3, rightTicks: 5 };
    const bytes = encodeMessage(DiffResponse, { flamegraph: diff });
    assert.deepEqual(toJson(DiffResponse, decodeMessage(DiffResponse, bytes)), {
      flamegraph: {
        names: ['total', 'a'],
        levels: [{ values: ['0', '3', '0', '0', '5', '0', '0'] }, { values: ['0', '3', '3', '0', '5', '5', '1'] }],
        total: '8',
        maxSelf: '5',
        leftTicks: '3',
        rightTicks: '5',
      },
    });
  });
});

describe('google.v1.Profile against pprof-format', () => {
  // Every field carries a value unique to it, so a swapped field number shows up as a wrong value.
  function pprofFormatProfile(): PfProfile {
    const strings = new StringTable();
    for (const s of ['samples', 'count', 'cpu', 'nanoseconds', 'main', 'main.go', 'span_id', 'abc', 'bytes', '/bin/app', 'build-1', 'drop.*', 'keep.*', 'a comment', 'https://doc']) strings.dedup(s);
    return new PfProfile({
      sampleType: [new PfValueType({ type: 1, unit: 2 }), new PfValueType({ type: 3, unit: 4 })],
      sample: [new PfSample({ locationId: [7, 8], value: [3, 30_000_000], label: [new PfLabel({ key: 7, str: 8 }), new PfLabel({ key: 7, num: 4096, numUnit: 9 })] })],
      mapping: [new PfMapping({ id: 1, memoryStart: 0x400000, memoryLimit: 0x800000, fileOffset: 0x1000, filename: 10, buildId: 11, hasFunctions: true, hasFilenames: false, hasLineNumbers: true, hasInlineFrames: true })],
      location: [
        new PfLocation({ id: 7, mappingId: 1, address: 0x401234, line: [new PfLine({ functionId: 5, line: 42, column: 7 })], isFolded: true }),
        new PfLocation({ id: 8, mappingId: 1, address: 0x401000, line: [new PfLine({ functionId: 5, line: 10 })] }),
      ],
      function: [new PfFunction({ id: 5, name: 5, systemName: 5, filename: 6, startLine: 9 })],
      stringTable: strings,
      dropFrames: 12,
      keepFrames: 13,
      timeNanos: 1_700_000_000_000_000_000n,
      durationNanos: 15_000_000_000,
      periodType: new PfValueType({ type: 3, unit: 4 }),
      period: 10_000_000,
      comment: [14],
      defaultSampleType: 3,
      docUrl: 15,
    });
  }

  const expected = {
    sampleType: [
      { type: '1', unit: '2' },
      { type: '3', unit: '4' },
    ],
    sample: [{ locationId: ['7', '8'], value: ['3', '30000000'], label: [{ key: '7', str: '8' }, { key: '7', num: '4096', numUnit: '9' }] }],
    mapping: [{ id: '1', memoryStart: String(0x400000), memoryLimit: String(0x800000), fileOffset: String(0x1000), filename: '10', buildId: '11', hasFunctions: true, hasLineNumbers: true, hasInlineFrames: true }],
    location: [
      { id: '7', mappingId: '1', address: String(0x401234), line: [{ functionId: '5', line: '42', column: '7' }], isFolded: true },
      { id: '8', mappingId: '1', address: String(0x401000), line: [{ functionId: '5', line: '10' }] },
    ],
    function: [{ id: '5', name: '5', systemName: '5', filename: '6', startLine: '9' }],
    stringTable: ['', 'samples', 'count', 'cpu', 'nanoseconds', 'main', 'main.go', 'span_id', 'abc', 'bytes', '/bin/app', 'build-1', 'drop.*', 'keep.*', 'a comment', 'https://doc'],
    dropFrames: '12',
    keepFrames: '13',
    timeNanos: '1700000000000000000',
    durationNanos: '15000000000',
    periodType: { type: '3', unit: '4' },
    period: '10000000',
    comment: ['14'],
    defaultSampleType: '3',
    docUrl: '15',
  };

  it('reads what pprof-format writes, field by field', () => {
    assert.deepEqual(decodeMessage(PprofProfile, pprofFormatProfile().encode()), expected);
  });

  it('writes what pprof-format reads back to the same profile', () => {
    const ours = encodeMessage(PprofProfile, expected);
    const back = PfProfile.decode(ours);
    assert.deepEqual(Buffer.from(back.encode()), Buffer.from(pprofFormatProfile().encode()));
  });
});

describe('OTLP profiles (v1development, dictionary layout)', () => {
  const request = {
    resourceProfiles: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }], droppedAttributesCount: 1, entityRefs: [{ type: 'service', idKeys: ['service.name'] }] },
        scopeProfiles: [
          {
            scope: { name: 'otel-ebpf-profiler', version: '0.1' },
            profiles: [
              {
                sampleType: { typeStrindex: 1, unitStrindex: 2 },
                samples: [{ stackIndex: 1, attributeIndices: [1], linkIndex: 1, values: [5], timestampsUnixNano: ['1700000000000000001'] }],
                timeUnixNano: '1700000000000000000',
                durationNano: '15000000000',
                periodType: { typeStrindex: 3, unitStrindex: 2 },
                period: 52631578,
                profileId: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
                droppedAttributesCount: 2,
                originalPayloadFormat: 'pprof',
                originalPayload: Uint8Array.from([1]),
                attributeIndices: [1],
              },
            ],
            schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      },
    ],
    dictionary: {
      mappingTable: [{}, { memoryStart: 4096, memoryLimit: 8192, fileOffset: 0, filenameStrindex: 5, attributeIndices: [] }],
      locationTable: [{}, { mappingIndex: 1, address: 4660, lines: [{ functionIndex: 1, line: 42, column: 3 }], attributeIndices: [] }],
      functionTable: [{}, { nameStrindex: 4, systemNameStrindex: 4, filenameStrindex: 5, startLine: 40 }],
      linkTable: [{}, { traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2) }],
      stringTable: ['', 'cpu', 'nanoseconds', 'samples', 'main', 'main.go', 'thread.name'],
      attributeTable: [{}, { keyStrindex: 6, value: { stringValueStrindex: 4 }, unitStrindex: 0 }],
      stackTable: [{}, { locationIndices: [1] }],
    },
  };

  it('ExportProfilesServiceRequest: resource_profiles = 1, dictionary = 2, dictionary tables 1–7', () => {
    const bytes = encodeMessage(ExportProfilesServiceRequest, request);
    const top = readWire(bytes);
    assert.deepEqual(top.map((f) => [f.field, f.wireType]), [[1, LEN], [2, LEN]]);
    const dict = readWire(payload(top[1]));
    assert.deepEqual([...new Set(dict.map((f) => f.field))], [1, 2, 3, 4, 5, 6, 7]);
    const attribute = readWire(payload(dict.filter((f) => f.field === 6)[1]));
    assert.deepEqual(attribute.map((f) => [f.field, f.wireType]), [[1, VARINT], [2, LEN]]); // unit 0 is not written
    assert.deepEqual(shape(payload(attribute[1])), [[8, VARINT]]); // AnyValue.string_value_strindex = 8
    const location = readWire(payload(dict.filter((f) => f.field === 2)[1]));
    assert.deepEqual(location.map((f) => [f.field, f.wireType]), [[1, VARINT], [2, VARINT], [3, LEN]]);
    assert.deepEqual(shape(payload(location[2])), [[1, VARINT], [2, VARINT], [3, VARINT]]); // Line: function_index, line, column
    assert.deepEqual(shape(payload(dict.filter((f) => f.field === 7)[1])), [[1, LEN]]); // Stack.location_indices, packed

    const resourceProfiles = readWire(payload(top[0]));
    assert.deepEqual(resourceProfiles.map((f) => [f.field, f.wireType]), [[1, LEN], [2, LEN], [3, LEN]]);
    assert.deepEqual(shape(payload(resourceProfiles[0])), [[1, LEN], [2, VARINT], [3, LEN]]); // Resource
    const scope = readWire(payload(resourceProfiles[1]));
    assert.deepEqual(scope.map((f) => [f.field, f.wireType]), [[1, LEN], [2, LEN], [3, LEN]]);
    const profile = readWire(payload(scope[1]));
    assert.deepEqual(profile.map((f) => [f.field, f.wireType]), [[1, LEN], [2, LEN], [3, I64], [4, VARINT], [5, LEN], [6, VARINT], [7, LEN], [8, VARINT], [9, LEN], [10, LEN], [11, LEN]]);
    assert.equal(profile[2]!.value, 1_700_000_000_000_000_000n); // time_unix_nano is fixed64
    const sample = readWire(payload(profile[1]));
    assert.deepEqual(sample.map((f) => [f.field, f.wireType]), [[1, VARINT], [2, LEN], [3, VARINT], [4, LEN], [5, LEN]]);
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64LE(1_700_000_000_000_000_001n);
    assert.equal(hex(payload(sample[4])), hex(timestamp)); // one packed fixed64 timestamp, little-endian
  });

  it('decodes back to the same request', () => {
    const back = decodeMessage(ExportProfilesServiceRequest, encodeMessage(ExportProfilesServiceRequest, request));
    const again = decodeMessage(ExportProfilesServiceRequest, encodeMessage(ExportProfilesServiceRequest, back));
    assert.deepEqual(again, back);
    const rp = (back as { resourceProfiles: { scopeProfiles: { profiles: { timeUnixNano: string; samples: { timestampsUnixNano: string[] }[] }[] }[] }[] }).resourceProfiles[0]!;
    assert.equal(rp.scopeProfiles[0]!.profiles[0]!.timeUnixNano, '1700000000000000000');
    assert.deepEqual(rp.scopeProfiles[0]!.profiles[0]!.samples[0]!.timestampsUnixNano, ['1700000000000000001']);
  });

  it('KeyValue.key_strindex = 3 and the response partial_success = 1', () => {
    assert.deepEqual(fieldShape(lookupMessage('opentelemetry.proto.common.v1.KeyValue'), { key: 'k', value: { intValue: 1 }, keyStrindex: 2 }), [[1, LEN], [2, LEN], [3, VARINT]]);
    assert.deepEqual(fieldShape(ExportProfilesServiceResponse, { partialSuccess: { rejectedProfiles: 1, errorMessage: 'x' } }), [[1, LEN]]);
    assert.deepEqual(fieldShape(lookupMessage('opentelemetry.proto.collector.profiles.v1development.ExportProfilesPartialSuccess'), { rejectedProfiles: 1, errorMessage: 'x' }), [[1, VARINT], [2, LEN]]);
  });
});

describe('hotpath.bus.v1.NormalizedProfile', () => {
  it('has the documented field numbers', () => {
    const numbers = (t: protobuf.Type) => Object.fromEntries(t.fieldsArray.map((f) => [f.name, `${f.repeated ? 'repeated ' : ''}${f.map ? 'map ' : ''}${f.type} = ${f.id}`]));
    assert.deepEqual(numbers(BusProfile), {
      schemaVersion: 'uint32 = 1',
      tenant: 'string = 2',
      type: 'ProfileType = 3',
      labels: 'map string = 4',
      fingerprint: 'fixed64 = 5',
      timeMs: 'int64 = 6',
      durationNanos: 'int64 = 7',
      frameNames: 'repeated string = 8',
      stacks: 'repeated Stack = 9',
      ingestId: 'string = 10',
    });
    assert.deepEqual(numbers(lookupMessage('hotpath.bus.v1.Stack')), { id: 'fixed64 = 1', frames: 'repeated uint32 = 2', value: 'sint64 = 3' });
  });
});

describe('protobuf JSON mapping', () => {
  /** protoc's JSON name: drop each underscore and upper-case the character after it; nothing else changes. */
  const protocJsonName = (protoName: string) => {
    let out = '';
    let upper = false;
    for (const ch of protoName) {
      if (ch === '_') upper = true;
      else {
        out += upper ? ch.toUpperCase() : ch;
        upper = false;
      }
    }
    return out;
  };

  it('every field of every schema is named exactly as protobuf JSON names it', () => {
    // The .proto names as written, from a second load that keeps their case.
    const original = new protobuf.Root();
    original.resolvePath = (_o, target) => (target.startsWith('/') ? target : SCHEMAS_DIR + target);
    original.loadSync([...PROTO_FILES], { keepCase: true });
    original.resolveAll();
    let checked = 0;
    const walk = (ns: protobuf.NamespaceBase) => {
      for (const nested of ns.nestedArray) {
        if (nested instanceof protobuf.Type) {
          const ours = root.lookupType(nested.fullName);
          for (const f of nested.fieldsArray) {
            const mine = ours.fieldsById[f.id]!;
            assert.equal(mine.name, protocJsonName(f.name), `${nested.fullName}.${f.name}`);
            assert.equal(mine.jsonName, protocJsonName(f.name), `${nested.fullName}.${f.name} json`);
            checked++;
          }
        }
        if (nested instanceof protobuf.Namespace) walk(nested);
      }
    };
    walk(original);
    assert.ok(checked > 200, `checked ${checked} fields`);
    // The awkward ones, spelled out.
    assert.equal(SelectMergeStacktracesRequest.fields.profileTypeID!.protoName, 'profile_typeID');
    assert.equal(RawSample.fields.ID!.jsonName, 'ID');
    assert.equal(RawSample.fields.rawProfile!.jsonName, 'rawProfile');
    assert.equal(FlameGraphDiff.fields.leftTicks!.jsonName, 'leftTicks');
  });

  const pushJson = {
    series: [
      {
        labels: [{ name: 'service_name', value: 'x' }],
        samples: [{ rawProfile: 'H4sIAAAAAAAA/w==', ID: '734FD599-6865-419E-9475-932762D8F469' }],
      },
    ],
  };

  it('round-trips a Push body: rawProfile is base64, ID stays ID', () => {
    const msg = fromJson<{ series: { labels: unknown[]; samples: { rawProfile: Uint8Array; ID: string }[] }[] }>(PushRequest, pushJson);
    assert.equal(hex(msg.series[0]!.samples[0]!.rawProfile), hex(Buffer.from('H4sIAAAAAAAA/w==', 'base64')));
    assert.equal(msg.series[0]!.samples[0]!.ID, '734FD599-6865-419E-9475-932762D8F469');
    assert.deepEqual(toJson(PushRequest, msg), pushJson);
    assert.equal(toJsonString(PushRequest, msg), JSON.stringify(pushJson));
    // The same message as binary.
    assert.deepEqual(decodeMessage(PushRequest, encodeMessage(PushRequest, msg)), msg);
    assert.deepEqual(fromJsonString(PushRequest, JSON.stringify(pushJson)), msg);
  });

  it('parses the original field names and URL-safe unpadded base64 as well', () => {
    const msg = fromJson<{ series: { samples: { rawProfile: Uint8Array }[] }[] }>(PushRequest, { series: [{ samples: [{ raw_profile: '-_8' }] }] });
    assert.equal(hex(msg.series[0]!.samples[0]!.rawProfile), 'fbff');
    assert.deepEqual(fromJson(SelectMergeStacktracesRequest, { profile_typeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', label_selector: '{}', max_nodes: 16 }), {
      profileTypeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      labelSelector: '{}',
      maxNodes: '16',
      profileIdSelector: [],
      traceIdSelector: [],
      spanSelector: [],
    });
  });

  it('reads a Grafana-style query: int64 as string or number, enum as name or number, unknown fields ignored', () => {
    const want = {
      profileTypeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      labelSelector: '{service_name="checkout"}',
      start: '1700000000000',
      end: '1700003600000',
      maxNodes: '1024',
      format: 'PROFILE_FORMAT_FLAMEGRAPH',
      profileIdSelector: [],
      traceIdSelector: [],
      spanSelector: [],
    };
    const base = { profileTypeID: want.profileTypeID, labelSelector: want.labelSelector, start: '1700000000000', end: 1700003600000, maxNodes: '1024' };
    assert.deepEqual(fromJson(SelectMergeStacktracesRequest, { ...base, format: 'PROFILE_FORMAT_FLAMEGRAPH', someFutureField: { x: 1 } }), want);
    assert.deepEqual(fromJson(SelectMergeStacktracesRequest, { ...base, format: 1 }), want);
  });

  it('prints lowerCamel names, int64 as strings, enums as names, and omits defaults (but not set optionals)', () => {
    assert.deepEqual(toJson(SelectSeriesResponse, { series: [{ labels: [{ name: 'service_name', value: 'x' }], points: [{ value: 1.5, timestamp: 1_700_000_000_000 }] }] }), {
      series: [{ labels: [{ name: 'service_name', value: 'x' }], points: [{ value: 1.5, timestamp: '1700000000000' }] }],
    });
    assert.deepEqual(toJson(ProfileTypesResponse, { profileTypes: [{ ID: 'memory:alloc_space:bytes:space:bytes', name: 'memory', sampleType: 'alloc_space', sampleUnit: 'bytes', periodType: 'space', periodUnit: 'bytes' }] }), {
      profileTypes: [{ ID: 'memory:alloc_space:bytes:space:bytes', name: 'memory', sampleType: 'alloc_space', sampleUnit: 'bytes', periodType: 'space', periodUnit: 'bytes' }],
    });
    assert.deepEqual(toJson(FlameGraph, { names: ['total'], levels: [{ values: [0, 0, 0, 0] }], total: 0, maxSelf: 0 }), { names: ['total'], levels: [{ values: ['0', '0', '0', '0'] }] });
    assert.deepEqual(toJson(SelectMergeStacktracesRequest, { maxNodes: 0, start: 0, format: 'PROFILE_FORMAT_UNSPECIFIED' }), { maxNodes: '0' });
    assert.deepEqual(toJson(SelectSeriesRequest, { aggregation: 'TIME_SERIES_AGGREGATION_TYPE_AVERAGE', exemplarType: 2, step: 15 }), { step: 15, aggregation: 'TIME_SERIES_AGGREGATION_TYPE_AVERAGE', exemplarType: 'EXEMPLAR_TYPE_INDIVIDUAL' });
    assert.deepEqual(toJson(PushResponse, {}), {});
    assert.deepEqual(toJson(GetProfileStatsResponse, { dataIngested: true, oldestProfileTime: 1, newestProfileTime: '9007199254740993' }), { dataIngested: true, oldestProfileTime: '1', newestProfileTime: '9007199254740993' });
  });

  it('keeps 64-bit values beyond 2^53 exact', () => {
    const msg = fromJson<{ newestProfileTime: string }>(GetProfileStatsResponse, { newestProfileTime: '9223372036854775807' });
    assert.equal(msg.newestProfileTime, '9223372036854775807');
    assert.deepEqual(decodeMessage(GetProfileStatsResponse, encodeMessage(GetProfileStatsResponse, msg)), { newestProfileTime: '9223372036854775807' });
    assert.deepEqual(toJson(GetProfileStatsResponse, { newestProfileTime: 9223372036854775807n }), { newestProfileTime: '9223372036854775807' });
  });

  it('refuses what is not a message, naming the type and field', () => {
    const refused = (fn: () => unknown, message: string) =>
      assert.throws(fn, (e: unknown) => {
        assert.ok(isHotpathError(e), 'HotpathError');
        assert.equal(e.code, 'bad_request');
        assert.equal(e.message, message);
        return true;
      });
    refused(() => fromJson(SelectMergeStacktracesRequest, { start: 'soon' }), 'invalid querier.v1.SelectMergeStacktracesRequest JSON: start: invalid integer: "soon"');
    refused(() => fromJson(PushRequest, [1]), 'push.v1.PushRequest JSON must be an object, got an array');
    refused(() => fromJson(PushRequest, null), 'push.v1.PushRequest JSON must be an object, got null');
    refused(() => fromJsonString(PushRequest, '{'), `push.v1.PushRequest body is not valid JSON: ${(() => {
      try {
        JSON.parse('{');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })()}`);
  });
});
