/**
 * OpenTelemetry profiles (`opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest`)
 * → pprof profiles with their series labels, which then go through the same pprof normalization as every other
 * protocol (so frame naming, truncation, limits and stack ids cannot differ between protocols).
 *
 * Mapping, as Pyroscope's OTLP receiver does it (facts, not code):
 * - every Profile (one sample type each) of every ScopeProfiles of every ResourceProfiles is one pprof; its
 *   samples are split by the sample attribute `service.name` when present (one pprof per service);
 * - the request-wide dictionary holds strings, functions, locations, mappings, stacks and attributes; a sample
 *   points at a stack (location indices, leaf first), a location at lines (innermost first) and a mapping;
 * - a sample without values counts its timestamps (value = number of timestamps);
 * - `samples:count` with period type `cpu:nanoseconds` becomes `cpu:nanoseconds`, every value × period, named
 *   `process_cpu`; `events:nanoseconds` without a period becomes `offcpu` (the eBPF profiler's off-CPU type);
 *   other types keep their sample type and take their name from it by the /ingest pprof rules (in normalize);
 * - series labels: string resource attributes, then scope attributes (first one of a key wins), `service_name`
 *   from the sample's or the resource's `service.name`, else `unknown_service` (`:<process.executable.name>`).
 */
import { HotpathError } from '../errors.ts';
import { ArrayStringTable, type PprofColumns, type ValueTypeRef } from './decoded-pprof.ts';
import type { Labels, NormalizedProfile } from './model.ts';
import { normalizePprof, type NormalizeContext } from './normalize.ts';
import { resolvePprof } from './validate-pprof.ts';

/** 64-bit integers as protobufjs hands them over (Long), or as JSON does (string), or plain numbers. */
export type Int64 = number | string | bigint | { toString(): string };

export interface OtlpAnyValue {
  stringValue?: string | null;
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | null;
}
export interface OtlpValueType {
  typeStrindex?: number;
  unitStrindex?: number;
}
export interface OtlpSample {
  stackIndex?: number;
  values?: Int64[];
  attributeIndices?: number[];
  timestampsUnixNano?: Int64[];
}
export interface OtlpProfile {
  sampleType?: OtlpValueType | null;
  samples?: OtlpSample[];
  timeUnixNano?: Int64;
  durationNano?: Int64;
  periodType?: OtlpValueType | null;
  period?: Int64;
}
export interface OtlpDictionary {
  mappingTable?: { memoryStart?: Int64; memoryLimit?: Int64; fileOffset?: Int64; filenameStrindex?: number }[];
  locationTable?: { mappingIndex?: number; address?: Int64; lines?: { functionIndex?: number; line?: Int64 }[] }[];
  functionTable?: { nameStrindex?: number; systemNameStrindex?: number; filenameStrindex?: number; startLine?: Int64 }[];
  stringTable?: string[];
  attributeTable?: { keyStrindex?: number; value?: OtlpAnyValue | null }[];
  stackTable?: { locationIndices?: number[] }[];
}
export interface OtlpExportRequest {
  resourceProfiles?: {
    resource?: { attributes?: OtlpKeyValue[] } | null;
    scopeProfiles?: { scope?: { attributes?: OtlpKeyValue[] } | null; profiles?: OtlpProfile[] }[];
  }[];
  dictionary?: OtlpDictionary | null;
}

export interface OtlpPprof {
  /** Where it came from, for error messages: `resource 0 scope 1 profile 2 service "x"`. */
  where: string;
  /** The pprof, as the pprof decoders produce it (unchecked: normalization resolves and validates it). */
  columns: PprofColumns;
  /** Series labels including `service_name`; `__name__` only when the OTLP type decides it. */
  labels: Labels;
}

const int = (v: Int64 | undefined | null): bigint => (v === undefined || v === null ? 0n : BigInt(String(v)));
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function safe(v: bigint, what: string): number {
  if (v > MAX_SAFE || v < -MAX_SAFE) throw new HotpathError('invalid_profile', `${what} ${v} out of range (|v| > 2^53 - 1)`);
  return Number(v);
}

function halves(v: bigint): [number, number] {
  const b = BigInt.asUintN(64, v);
  return [Number(b >> 32n), Number(b & 0xffffffffn)];
}

function at<T>(arr: T[] | undefined | null, i: number | undefined, what: string): T {
  const idx = i ?? 0;
  if (!arr || idx < 0 || idx >= arr.length) throw new HotpathError('invalid_profile', `${what} index ${idx} out of range (${arr?.length ?? 0} entries)`);
  return arr[idx];
}

/** Plain-array versions of the columns while building; typed arrays once the size is known. */
interface Building {
  sampleLocationStart: number[];
  sampleLocationIds: number[];
  sampleValues: number[];
  loc: { id: number[]; mappingId: number[]; addressHi: number[]; addressLo: number[]; lineStart: number[] };
  lines: { functionId: number[]; line: number[] };
  fn: { id: number[]; name: number[]; systemName: number[]; filename: number[]; startLine: number[] };
  map: { id: number[]; msHi: number[]; msLo: number[]; mlHi: number[]; mlLo: number[]; foHi: number[]; foLo: number[]; filename: number[] };
}

/**
 * Builds one pprof (as columns) from OTLP dictionary entries. pprof ids are dictionary index + 1 (id 0 means
 * "none" in pprof, index 0 is the zero entry in OTLP), each entry added once, on first use.
 */
class ColumnsBuilder {
  private readonly b: Building = {
    sampleLocationStart: [0],
    sampleLocationIds: [],
    sampleValues: [],
    loc: { id: [], mappingId: [], addressHi: [], addressLo: [], lineStart: [0] },
    lines: { functionId: [], line: [] },
    fn: { id: [], name: [], systemName: [], filename: [], startLine: [] },
    map: { id: [], msHi: [], msLo: [], mlHi: [], mlLo: [], foHi: [], foLo: [], filename: [] },
  };
  private readonly strings: string[] = [''];
  private readonly stringIndex = new Map<string, number>([['', 0]]);
  private readonly fns = new Set<number>();
  private readonly locs = new Set<number>();
  private readonly maps = new Set<number>();
  private readonly head: Pick<PprofColumns, 'sampleTypes' | 'periodType' | 'period' | 'timeNanos' | 'durationNanos'>;

  constructor(
    private readonly dict: OtlpDictionary,
    src: OtlpProfile,
    sampleType: [string, string],
    periodType: [string, string] | undefined,
    period: bigint,
  ) {
    this.head = {
      sampleTypes: [this.valueType(sampleType)],
      periodType: periodType ? this.valueType(periodType) : null,
      period,
      timeNanos: int(src.timeUnixNano),
      durationNanos: int(src.durationNano),
    };
  }

  private valueType([type, unit]: [string, string]): ValueTypeRef {
    return { type: this.add(type), unit: this.add(unit) };
  }

  private add(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  private str(i: number | undefined, what: string): number {
    return this.add(at(this.dict.stringTable, i, `${what} string`));
  }

  private mapping(i: number): void {
    if (this.maps.has(i)) return;
    const m = at(this.dict.mappingTable, i, 'mapping');
    const c = this.b.map;
    const [msHi, msLo] = halves(int(m.memoryStart));
    const [mlHi, mlLo] = halves(int(m.memoryLimit));
    const [foHi, foLo] = halves(int(m.fileOffset));
    c.id.push(i + 1);
    c.msHi.push(msHi);
    c.msLo.push(msLo);
    c.mlHi.push(mlHi);
    c.mlLo.push(mlLo);
    c.foHi.push(foHi);
    c.foLo.push(foLo);
    c.filename.push(this.str(m.filenameStrindex, 'mapping file name'));
    this.maps.add(i);
  }

  private fn(i: number): void {
    if (this.fns.has(i)) return;
    const f = at(this.dict.functionTable, i, 'function');
    const c = this.b.fn;
    c.id.push(i + 1);
    c.name.push(this.str(f.nameStrindex, 'function name'));
    c.systemName.push(this.str(f.systemNameStrindex, 'function system name'));
    c.filename.push(this.str(f.filenameStrindex, 'function file name'));
    c.startLine.push(safe(int(f.startLine), 'function start line'));
    this.fns.add(i);
  }

  /** Adds location `i` (and what it references) if new; returns its pprof id. */
  location(i: number): number {
    if (this.locs.has(i)) return i + 1;
    const l = at(this.dict.locationTable, i, 'location');
    // Mapping index 0 is the dictionary's zero entry: "no mapping", pprof's mapping id 0.
    const mi = l.mappingIndex ?? 0;
    if (mi > 0) this.mapping(mi);
    const c = this.b.loc;
    const [hi, lo] = halves(int(l.address));
    c.id.push(i + 1);
    c.mappingId.push(mi > 0 ? mi + 1 : 0);
    c.addressHi.push(hi);
    c.addressLo.push(lo);
    for (const ln of l.lines ?? []) {
      const fi = ln.functionIndex ?? 0;
      this.fn(fi);
      this.b.lines.functionId.push(fi + 1);
      this.b.lines.line.push(safe(int(ln.line), 'line number'));
    }
    c.lineStart.push(this.b.lines.functionId.length);
    this.locs.add(i);
    return i + 1;
  }

  addSample(locationIds: number[], value: number): void {
    this.b.sampleLocationIds.push(...locationIds);
    this.b.sampleValues.push(value);
    this.b.sampleLocationStart.push(this.b.sampleLocationIds.length);
  }

  finish(byteLength: number): PprofColumns {
    const { b } = this;
    const u32 = (a: number[]) => Uint32Array.from(a);
    const f64 = (a: number[]) => Float64Array.from(a);
    const nSamples = b.sampleValues.length;
    return {
      ...this.head,
      byteLength,
      strings: new ArrayStringTable(this.strings),
      defaultSampleType: 0,
      samples: {
        count: nSamples,
        locationStart: u32(b.sampleLocationStart),
        locationIds: u32(b.sampleLocationIds),
        valueStart: Uint32Array.from({ length: nSamples + 1 }, (_, i) => i),
        values: f64(b.sampleValues),
      },
      locations: {
        count: b.loc.id.length,
        id: u32(b.loc.id),
        mappingId: u32(b.loc.mappingId),
        addressHi: u32(b.loc.addressHi),
        addressLo: u32(b.loc.addressLo),
        lineStart: u32(b.loc.lineStart),
        isFolded: new Uint8Array(b.loc.id.length),
      },
      lines: { functionId: u32(b.lines.functionId), line: f64(b.lines.line) },
      functions: {
        count: b.fn.id.length,
        id: u32(b.fn.id),
        name: u32(b.fn.name),
        systemName: u32(b.fn.systemName),
        filename: u32(b.fn.filename),
        startLine: f64(b.fn.startLine),
      },
      mappings: {
        count: b.map.id.length,
        id: u32(b.map.id),
        memoryStartHi: u32(b.map.msHi),
        memoryStartLo: u32(b.map.msLo),
        memoryLimitHi: u32(b.map.mlHi),
        memoryLimitLo: u32(b.map.mlLo),
        fileOffsetHi: u32(b.map.foHi),
        fileOffsetLo: u32(b.map.foLo),
        filename: u32(b.map.filename),
        buildId: new Uint32Array(b.map.id.length),
      },
    };
  }
}

function attrString(dict: OtlpDictionary, indices: number[] | undefined, key: string): string {
  for (const i of indices ?? []) {
    const a = at(dict.attributeTable, i, 'attribute');
    if (at(dict.stringTable, a.keyStrindex, 'attribute key string') === key) return a.value?.stringValue ?? '';
  }
  return '';
}

function resourceServiceName(attrs: OtlpKeyValue[]): string {
  let fallback = 'unknown_service';
  for (const a of attrs) {
    const v = a.value?.stringValue ?? '';
    if (a.key === 'service.name' && v !== '') return v;
    if (a.key === 'process.executable.name' && v !== '') fallback += `:${v}`;
  }
  return fallback;
}

function addAttributes(labels: Labels, attrs: OtlpKeyValue[]): void {
  for (const a of attrs) {
    const v = a.value?.stringValue ?? '';
    if (v !== '' && !Object.hasOwn(labels, a.key)) labels[a.key] = v;
  }
}

/** @param byteLength size of the request, given to every pprof as its size (for the size limits of normalization). */
export function pprofsFromOtlp(req: OtlpExportRequest, byteLength = 0): OtlpPprof[] {
  const dict = req.dictionary;
  if (!dict) throw new HotpathError('invalid_profile', 'missing profile metadata dictionary');
  const out: OtlpPprof[] = [];
  (req.resourceProfiles ?? []).forEach((rp, ri) => {
    const resourceAttrs = rp.resource?.attributes ?? [];
    const resourceService = resourceServiceName(resourceAttrs);
    (rp.scopeProfiles ?? []).forEach((sp, si) => {
      (sp.profiles ?? []).forEach((src, pi) => {
        const where = `resource ${ri} scope ${si} profile ${pi}`;
        try {
          out.push(...convertProfile(dict, src, resourceAttrs, sp.scope?.attributes ?? [], resourceService, where, byteLength));
        } catch (err) {
          if (err instanceof HotpathError) throw new HotpathError(err.code, `${where}: ${err.message}`, { reason: err.reason });
          throw err;
        }
      });
    });
  });
  return out;
}

function convertProfile(
  dict: OtlpDictionary,
  src: OtlpProfile,
  resourceAttrs: OtlpKeyValue[],
  scopeAttrs: OtlpKeyValue[],
  resourceService: string,
  where: string,
  byteLength: number,
): OtlpPprof[] {
  if (!src.sampleType) throw new HotpathError('invalid_profile', 'sample type is missing');
  const st: [string, string] = [at(dict.stringTable, src.sampleType.typeStrindex, 'sample type string'), at(dict.stringTable, src.sampleType.unitStrindex, 'sample unit string')];
  const period = int(src.period);
  const pt: [string, string] | undefined = src.periodType
    ? [at(dict.stringTable, src.periodType.typeStrindex, 'period type string'), at(dict.stringTable, src.periodType.unitStrindex, 'period unit string')]
    : undefined;
  const hasPeriod = pt !== undefined && period !== 0n;
  let sampleType = st;
  let multiplier = 1n;
  let name: string | undefined;
  if (st[0] === 'samples' && st[1] === 'count' && hasPeriod && pt[0] === 'cpu' && pt[1] === 'nanoseconds') {
    sampleType = ['cpu', 'nanoseconds'];
    multiplier = period;
    name = 'process_cpu';
  } else if (st[0] === 'events' && st[1] === 'nanoseconds' && !hasPeriod) {
    name = 'offcpu';
  }
  const byService = new Map<string, ColumnsBuilder>();
  for (const s of src.samples ?? []) {
    const service = attrString(dict, s.attributeIndices, 'service.name') || resourceService;
    let b = byService.get(service);
    if (!b) {
      b = new ColumnsBuilder(dict, src, sampleType, pt, period);
      byService.set(service, b);
    }
    let value: bigint;
    if ((s.values ?? []).length > 0) {
      if (s.values!.length !== 1) throw new HotpathError('invalid_profile', `sample has ${s.values!.length} values for 1 sample type`);
      value = int(s.values![0]);
    } else if ((s.timestampsUnixNano ?? []).length > 0) value = BigInt(s.timestampsUnixNano!.length);
    else throw new HotpathError('invalid_profile', 'sample value is required');
    const stack = at(dict.stackTable, s.stackIndex, 'stack');
    const locationId = (stack.locationIndices ?? []).map((li) => b!.location(li));
    b.addSample(locationId, safe(value * multiplier, 'sample value'));
  }
  return [...byService].map(([service, b]) => {
    const labels: Labels = {};
    if (name) labels.__name__ = name;
    addAttributes(labels, resourceAttrs);
    addAttributes(labels, scopeAttrs);
    labels.service_name = service;
    return { where: `${where} service ${JSON.stringify(service)}`, columns: b.finish(byteLength), labels };
  });
}

/**
 * OTLP request → normalized profiles through the pprof path (resolve: every reference checked; normalize: frames,
 * truncation, sums, type name). `ctx.labels` are added under each profile's own labels (the OTLP ones win).
 * Any failure names the profile it comes from.
 */
export function profilesFromOtlp(req: OtlpExportRequest, ctx: NormalizeContext, byteLength = 0): NormalizedProfile[] {
  const out: NormalizedProfile[] = [];
  for (const p of pprofsFromOtlp(req, byteLength)) {
    try {
      out.push(...normalizePprof(resolvePprof(p.columns), { ...ctx, labels: { ...ctx.labels, ...p.labels } }));
    } catch (err) {
      if (err instanceof HotpathError) throw new HotpathError(err.code, `${p.where}: ${err.message}`, { reason: err.reason, retryAfter: err.retryAfter, status: err.status });
      throw err;
    }
  }
  return out;
}
