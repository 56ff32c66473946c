/**
 * Builds OTLP profiles requests (v1development, dictionary layout) from real pprof files, written from the
 * OpenTelemetry profiles spec, independently of Hotpath's OTLP mapper: one OTLP Profile per pprof sample type,
 * all tables in the request-wide dictionary with the spec's zero entry at index 0.
 * The result is the plain-object form (lowerCamelCase names, 64-bit values as decimal strings) that protobufjs'
 * `fromObject` and protobuf JSON both accept.
 */
import type { Profile } from 'pprof-format';
import { decodeOracle } from './pprof-oracle.ts';

type Obj = Record<string, unknown>;

export function pprofToOtlp(bytes: Uint8Array, opts: { serviceName: string; timeUnixNano: bigint; resourceAttrs?: Record<string, string> }): Obj {
  const p: Profile = decodeOracle(bytes);
  const s = (i: number | bigint) => p.stringTable.strings[Number(i)] ?? '';
  const strings = [''];
  const strIdx = new Map<string, number>([['', 0]]);
  const str = (v: string) => {
    let i = strIdx.get(v);
    if (i === undefined) {
      i = strings.length;
      strings.push(v);
      strIdx.set(v, i);
    }
    return i;
  };
  const mappingTable: Obj[] = [{}];
  const mappingIdx = new Map<string, number>();
  for (const m of p.mapping) {
    mappingIdx.set(String(m.id), mappingTable.length);
    mappingTable.push({ memoryStart: String(m.memoryStart), memoryLimit: String(m.memoryLimit), fileOffset: String(m.fileOffset), filenameStrindex: str(s(m.filename)) });
  }
  const functionTable: Obj[] = [{}];
  const fnIdx = new Map<string, number>();
  for (const f of p.function) {
    fnIdx.set(String(f.id), functionTable.length);
    functionTable.push({ nameStrindex: str(s(f.name)), systemNameStrindex: str(s(f.systemName)), filenameStrindex: str(s(f.filename)), startLine: String(f.startLine) });
  }
  const locationTable: Obj[] = [{}];
  const locIdx = new Map<string, number>();
  for (const l of p.location) {
    locIdx.set(String(l.id), locationTable.length);
    locationTable.push({
      mappingIndex: mappingIdx.get(String(l.mappingId)) ?? 0,
      address: String(l.address),
      lines: l.line.map((ln) => ({ functionIndex: fnIdx.get(String(ln.functionId)) ?? 0, line: String(ln.line) })),
    });
  }
  const stackTable: Obj[] = [{}];
  const stackIdx = new Map<string, number>();
  const stackOf = (ids: (number | bigint)[]) => {
    const key = ids.join(',');
    let i = stackIdx.get(key);
    if (i === undefined) {
      i = stackTable.length;
      stackTable.push({ locationIndices: ids.map((id) => locIdx.get(String(id))!) });
      stackIdx.set(key, i);
    }
    return i;
  };
  const periodType = p.periodType ? { typeStrindex: str(s(p.periodType.type)), unitStrindex: str(s(p.periodType.unit)) } : undefined;
  const profiles = p.sampleType.map((st, ti) => ({
    sampleType: { typeStrindex: str(s(st.type)), unitStrindex: str(s(st.unit)) },
    periodType,
    period: String(p.period),
    timeUnixNano: String(opts.timeUnixNano),
    durationNano: '10000000000',
    samples: p.sample
      .filter((smp) => BigInt(smp.value[ti] ?? 0) !== 0n)
      .map((smp) => ({ stackIndex: stackOf(smp.locationId), values: [String(BigInt.asIntN(64, BigInt(smp.value[ti])))] })),
  }));
  const resourceAttrs = { 'service.name': opts.serviceName, ...opts.resourceAttrs };
  return {
    resourceProfiles: [
      {
        resource: { attributes: Object.entries(resourceAttrs).map(([key, v]) => ({ key, value: { stringValue: v } })) },
        scopeProfiles: [{ scope: { name: 'hotpath-test', attributes: [] }, profiles }],
      },
    ],
    dictionary: { mappingTable, locationTable, functionTable, stringTable: strings, attributeTable: [{}], stackTable },
  };
}
