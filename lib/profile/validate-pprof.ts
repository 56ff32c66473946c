/**
 * Checks a decoded profile's references and resolves them to row numbers, for both decoders. pprof-format (and
 * Pyroscope's sanitizer) accept or silently drop what this refuses; we refuse, because a profile whose stacks point
 * at nothing cannot be stored truthfully (e.g. bad-truncated-protobuf.pb: a cut-off string table).
 *
 * Refused (HotpathError 'invalid_profile'): no sample types; a sample whose value count differs from the sample type
 * count; a sample, location or line pointing at a location, mapping or function id that does not exist; id 0 or a
 * duplicate id in the location, function or mapping table; a string index past the string table.
 *
 * Repaired: old .NET agents write every function with id 0 and lines that use the location ids (Pyroscope's
 * FixFunctionIDForBrokenDotnet, compat-details §1.6). When every function id is 0 and there are as many functions as
 * locations, function i takes location i's id. Such a table is unusable otherwise, so the repair cannot hide an error.
 */
import type { DecodedPprof, PprofColumns } from './decoded-pprof.ts';
import { invalidProfile } from './proto-reader.ts';
import { i32 } from './scratch-arrays.ts';

/** id → row for one table: a dense array when ids are small (the usual 1..n), a Map otherwise. */
class IdIndex {
  private readonly dense: Int32Array | null;
  private readonly sparse: Map<number, number> | null;

  constructor(ids: Uint32Array, table: string) {
    let max = 0;
    for (const id of ids) if (id > max) max = id;
    const useDense = max <= ids.length * 4 + 1024;
    this.dense = useDense ? i32(max + 1).fill(-1) : null;
    this.sparse = useDense ? null : new Map();
    for (let row = 0; row < ids.length; row++) {
      const id = ids[row] as number;
      if (id === 0) throw invalidProfile(`${table} #${row} has the reserved id 0`);
      if (this.indexOf(id) !== -1) throw invalidProfile(`${table} id ${id} appears twice`);
      if (this.dense) this.dense[id] = row;
      else this.sparse!.set(id, row);
    }
  }

  indexOf(id: number): number {
    if (this.dense) return id < this.dense.length ? (this.dense[id] as number) : -1;
    return this.sparse!.get(id) ?? -1;
  }
}

function repairDotnetFunctionIds(p: PprofColumns): void {
  const fn = p.functions;
  if (fn.count === 0 || fn.count !== p.locations.count) return;
  for (const id of fn.id) if (id !== 0) return;
  for (let i = 0; i < fn.count; i++) fn.id[i] = p.locations.id[i] as number;
}

function checkStrings(p: PprofColumns): void {
  const count = p.strings.count;
  const check = (index: number, what: string): void => {
    if (index >= count) throw invalidProfile(`dangling string id ${index} (${what}); the string table has ${count} entries`);
  };
  p.sampleTypes.forEach((t, i) => {
    check(t.type, `sample_type[${i}].type`);
    check(t.unit, `sample_type[${i}].unit`);
  });
  if (p.periodType) {
    check(p.periodType.type, 'period_type.type');
    check(p.periodType.unit, 'period_type.unit');
  }
  check(p.defaultSampleType, 'default_sample_type');
  const fn = p.functions;
  for (let i = 0; i < fn.count; i++) {
    check(fn.name[i] as number, `function ${fn.id[i]} name`);
    check(fn.systemName[i] as number, `function ${fn.id[i]} system_name`);
    check(fn.filename[i] as number, `function ${fn.id[i]} filename`);
  }
  const m = p.mappings;
  for (let i = 0; i < m.count; i++) {
    check(m.filename[i] as number, `mapping ${m.id[i]} filename`);
    check(m.buildId[i] as number, `mapping ${m.id[i]} build_id`);
  }
}

export function resolvePprof(p: PprofColumns): DecodedPprof {
  const nTypes = p.sampleTypes.length;
  if (nTypes === 0) throw invalidProfile('the profile has no sample types');
  checkStrings(p);
  repairDotnetFunctionIds(p);

  const functionIndex = new IdIndex(p.functions.id, 'function');
  const mappingIndex = new IdIndex(p.mappings.id, 'mapping');
  const locationIndex = new IdIndex(p.locations.id, 'location');

  const loc = p.locations;
  const locationMappingIndex = i32(loc.count);
  for (let i = 0; i < loc.count; i++) {
    const mappingId = loc.mappingId[i] as number;
    if (mappingId === 0) {
      locationMappingIndex[i] = -1;
      continue;
    }
    const row = mappingIndex.indexOf(mappingId);
    if (row === -1) throw invalidProfile(`location ${loc.id[i]} refers to mapping ${mappingId}, which does not exist`);
    locationMappingIndex[i] = row;
  }

  const lineFunctionIds = p.lines.functionId;
  const lineFunctionIndex = i32(lineFunctionIds.length);
  for (let i = 0; i < loc.count; i++) {
    const end = loc.lineStart[i + 1] as number;
    for (let j = loc.lineStart[i] as number; j < end; j++) {
      const functionId = lineFunctionIds[j] as number;
      const row = functionIndex.indexOf(functionId);
      if (row === -1) throw invalidProfile(`location ${loc.id[i]} has a line of function ${functionId}, which does not exist`);
      lineFunctionIndex[j] = row;
    }
  }

  const s = p.samples;
  for (let i = 0; i < s.count; i++) {
    const n = (s.valueStart[i + 1] as number) - (s.valueStart[i] as number);
    if (n !== nTypes) throw invalidProfile(`sample #${i} has ${n} values but the profile has ${nTypes} sample types`);
  }
  const ids = s.locationIds;
  const sampleLocationIndex = i32(ids.length);
  for (let j = 0; j < ids.length; j++) {
    const row = locationIndex.indexOf(ids[j] as number);
    if (row === -1) throw invalidProfile(`a sample refers to location ${ids[j]}, which does not exist`);
    sampleLocationIndex[j] = row;
  }

  return Object.assign(p, { sampleLocationIndex, locationMappingIndex, lineFunctionIndex });
}
