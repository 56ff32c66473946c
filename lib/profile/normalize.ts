/**
 * Decoded pprof → one NormalizedProfile per sample type (ARCHITECTURE.md §1.2 step 2).
 *
 * - Stacks are frame names root first (frame-names.ts: inline expansion, unsymbolized names, spy renames).
 * - Samples whose values are all zero are skipped; samples with the same frames are summed (by stack id); a stack
 *   whose sum for a sample type is 0 is left out of that type's profile; a sample type with no stack left yields no
 *   profile. Values stay signed: delta profiles carry negative values and keep them (Pyroscope drops such samples;
 *   we store what was sent).
 * - Stacks deeper than maxDepth keep their leaf-most maxDepth - 1 frames under a `[truncated]` root frame: the leaf
 *   end is where the time is spent, so it is the end worth keeping.
 * - A sample with no locations becomes the one-frame stack `[no stack]`, so its value is not lost.
 * - Series labels are the request's labels plus `__name__`; pprof sample labels never become series labels.
 * - Stacks of the profiles of one pprof share their `frames` arrays (same stack, one array): treat them as read-only.
 *
 * The per-sample loops are top-level functions over typed arrays, with nothing captured by closures, so V8 keeps
 * their variables in registers.
 */
import { HotpathError } from '../errors.ts';
import type { DecodedPprof } from './decoded-pprof.ts';
import { LocationFrames } from './frame-names.ts';
import { FrameHashCache, seriesFingerprint, STACK_SEED_A, STACK_SEED_B, stackFinish, stackStep, uint64Decimal } from './hash.ts';
import type { Labels, NormalizedProfile, Stack } from './model.ts';
import { DEFAULT_SAMPLE_TYPE_CONFIG, makeProfileType, profileTypeName, type SampleTypeConfig } from './profile-type.ts';
import { i32 } from './scratch-arrays.ts';
import { StackTable } from './stack-table.ts';

export const DEFAULT_MAX_DEPTH = 1024;
export const TRUNCATED_FRAME = '[truncated]';
export const NO_STACK_FRAME = '[no stack]';

/** time_nanos before 1971-01-01 (0, or an old client's microseconds) is not a time: use the request's. */
const MIN_TIME_NANOS = 31_536_000n * 1_000_000_000n;

export interface NormalizeContext {
  tenant: string;
  /** Series labels from the request, already including service_name. A non-empty `__name__` (Push) names the type. */
  labels: Labels;
  /** Profile time when the pprof has none (time_nanos 0 or in 1970), ms since the epoch: the request's `from`. */
  timeFallbackMs: number;
  /** Default 1024. */
  maxDepth?: number;
  /** /ingest `spyName`: pyspy/rbspy/scripting rename functions, dotnetspy repairs sample type names. */
  spyName?: string;
  /** /ingest `sample_type_config`; absent → Pyroscope's defaults (profile-type.ts). */
  sampleTypeConfig?: SampleTypeConfig;
}

function isDotnet(ctx: NormalizeContext): boolean {
  if (ctx.spyName === 'dotnetspy') return true;
  // Pyroscope also recognizes old .NET agents by their sample_type_config when they send no spy name.
  const unknownSpy = ctx.spyName === undefined || ctx.spyName === '' || ctx.spyName === 'unknown';
  return unknownSpy && ctx.sampleTypeConfig !== undefined && Object.hasOwn(ctx.sampleTypeConfig, 'inuse-space');
}

function outOfRange(): HotpathError {
  return new HotpathError('invalid_profile', 'invalid pprof: sample value out of range (a stack sums past 2^53 - 1)');
}

/** Sums every sample with a non-zero value into its stack (by stack id), one sum per sample type. */
function sumByStack(p: DecodedPprof, nTypes: number, locFrames: LocationFrames, frames: FrameHashCache, maxDepth: number): StackTable {
  const values = p.samples.values;
  const locationStart = p.samples.locationStart;
  const sampleLocation = p.sampleLocationIndex;
  const sampleCount = p.samples.count;
  const flat = locFrames.flat;
  const locStart = locFrames.start;
  const locCount = locFrames.count;
  const fa = frames.a;
  const fb = frames.b;
  const truncated = frames.intern(TRUNCATED_FRAME);
  const noStack = frames.intern(NO_STACK_FRAME);
  const table = new StackTable(nTypes, Math.min(sampleCount, 4096));
  // Samples with the same location ids have the same stack: pprof writers keep one sample per (locations, labels),
  // so labelled profiles repeat location lists many times. A table keyed by a cheap hash of the ids finds an earlier
  // sample with the same list, and its stack is reused instead of hashing every frame again.
  let memoSize = 64;
  while (memoSize < sampleCount * 2) memoSize *= 2;
  const memo = i32(memoSize); // slot → sample index + 1 (0 = empty)
  const memoMask = memoSize - 1;
  const stackOf = i32(sampleCount);

  for (let i = 0; i < sampleCount; i++) {
    const vBase = i * nTypes;
    let nonZero = false;
    for (let t = 0; t < nTypes; t++) {
      if (values[vBase + t] !== 0) {
        nonZero = true;
        break;
      }
    }
    if (!nonZero) continue;

    const ls = locationStart[i] as number;
    const le = locationStart[i + 1] as number;
    let h = le - ls;
    for (let j = ls; j < le; j++) h = Math.imul(h ^ (sampleLocation[j] as number), 0x9e3779b1) ^ (h >>> 15);
    let slot = (h ^ (h >>> 16)) & memoMask;
    let same = -1;
    for (;;) {
      const m = memo[slot] as number;
      if (m === 0) break;
      const o = m - 1;
      const os = locationStart[o] as number;
      if ((locationStart[o + 1] as number) - os === le - ls) {
        let k = 0;
        while (k < le - ls && sampleLocation[os + k] === sampleLocation[ls + k]) k++;
        if (k === le - ls) {
          same = stackOf[o] as number;
          break;
        }
      }
      slot = (slot + 1) & memoMask;
    }
    if (same >= 0) {
      addValues(table, same, values, vBase, nTypes);
      stackOf[i] = same;
      continue;
    }
    memo[slot] = i + 1;

    let depth = 0;
    for (let j = ls; j < le; j++) {
      const loc = sampleLocation[j] as number;
      // Every location has at least one frame, so a count of 0 means "not computed yet".
      const c = locCount[loc] as number;
      depth += c === 0 ? locFrames.ensure(loc) : c;
    }

    let a = STACK_SEED_A;
    let b = STACK_SEED_B;
    let outDepth = depth;
    if (depth === 0) {
      a = stackStep(a, fa[noStack] as number);
      b = stackStep(b, fb[noStack] as number);
      outDepth = 1;
    } else {
      let skip = 0;
      if (depth > maxDepth) {
        skip = depth - (maxDepth - 1);
        a = stackStep(a, fa[truncated] as number);
        b = stackStep(b, fb[truncated] as number);
        outDepth = maxDepth;
      }
      // location_id[0] is the leaf: walk the sample's locations backwards to go root first.
      for (let j = le - 1; j >= ls; j--) {
        const loc = sampleLocation[j] as number;
        let f = locStart[loc] as number;
        const fe = f + (locCount[loc] as number);
        if (skip > 0) {
          if (skip >= fe - f) {
            skip -= fe - f;
            continue;
          }
          f += skip;
          skip = 0;
        }
        for (; f < fe; f++) {
          const id = flat[f] as number;
          a = stackStep(a, fa[id] as number);
          b = stackStep(b, fb[id] as number);
        }
      }
    }

    const s = table.indexOf(stackFinish(a, outDepth), stackFinish(b, outDepth), i);
    stackOf[i] = s;
    addValues(table, s, values, vBase, nTypes);
  }
  return table;
}

/** Adds sample values[vBase .. vBase + nTypes) to stack `s`'s sums, refusing a sum past the safe range. */
function addValues(table: StackTable, s: number, values: Float64Array, vBase: number, nTypes: number): void {
  const sums = table.sums;
  const sBase = s * nTypes;
  for (let t = 0; t < nTypes; t++) {
    const v = (sums[sBase + t] as number) + (values[vBase + t] as number);
    if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) throw outOfRange();
    sums[sBase + t] = v;
  }
}

/** Frame names (root first, depth-capped) of sample `i`'s stack; its locations' frames are already computed. */
function sampleFrames(p: DecodedPprof, i: number, locFrames: LocationFrames, names: readonly string[], maxDepth: number): string[] {
  const locationStart = p.samples.locationStart;
  const sampleLocation = p.sampleLocationIndex;
  const flat = locFrames.flat;
  const locStart = locFrames.start;
  const locCount = locFrames.count;
  const ls = locationStart[i] as number;
  const le = locationStart[i + 1] as number;
  let depth = 0;
  for (let j = ls; j < le; j++) depth += locCount[sampleLocation[j] as number] as number;
  if (depth === 0) return [NO_STACK_FRAME];
  const out: string[] = [];
  let skip = 0;
  if (depth > maxDepth) {
    out.push(TRUNCATED_FRAME);
    skip = depth - (maxDepth - 1);
  }
  for (let j = le - 1; j >= ls; j--) {
    const loc = sampleLocation[j] as number;
    const f0 = locStart[loc] as number;
    const fe = f0 + (locCount[loc] as number);
    for (let f = f0; f < fe; f++) {
      if (skip > 0) skip--;
      else out.push(names[flat[f] as number] as string);
    }
  }
  return out;
}

export function normalizePprof(p: DecodedPprof, ctx: NormalizeContext): NormalizedProfile[] {
  const maxDepth = ctx.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError(`maxDepth must be an integer >= 1, got ${maxDepth}`);

  const strings = p.strings;
  const dotnet = isDotnet(ctx);
  const typeNames = p.sampleTypes.map((t) => {
    const name = strings.get(t.type);
    return dotnet ? name.replaceAll('-', '_') : name;
  });
  const typeUnits = p.sampleTypes.map((t) => strings.get(t.unit));
  const periodType = p.periodType ? strings.get(p.periodType.type) : '';
  const periodUnit = p.periodType ? strings.get(p.periodType.unit) : '';
  const name = ctx.labels.__name__ || profileTypeName(typeNames, ctx.sampleTypeConfig ?? DEFAULT_SAMPLE_TYPE_CONFIG);
  const nTypes = typeNames.length;

  const frames = new FrameHashCache();
  const locFrames = new LocationFrames(p, frames, ctx.spyName);
  const table = sumByStack(p, nTypes, locFrames, frames, maxDepth);

  // Id and frames of each distinct stack, made once when a sample type first keeps it.
  const ids: (string | undefined)[] = new Array(table.size);
  const stackFrames: (string[] | undefined)[] = new Array(table.size);
  const timeMs = p.timeNanos < MIN_TIME_NANOS ? ctx.timeFallbackMs : Number(p.timeNanos / 1_000_000n);
  // Some writers put a timestamp here (java-alloc-objects: ~1.7e18); a duration we cannot trust is unknown (0).
  const durationNanos = p.durationNanos > 0n && p.durationNanos <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(p.durationNanos) : 0;

  const out: NormalizedProfile[] = [];
  const sums = table.sums;
  for (let t = 0; t < nTypes; t++) {
    const stacks: Stack[] = [];
    for (let s = 0; s < table.size; s++) {
      const value = sums[s * nTypes + t] as number;
      if (value === 0) continue;
      let id = ids[s];
      let stack = stackFrames[s];
      if (id === undefined || stack === undefined) {
        id = uint64Decimal(table.a[s] as number, table.b[s] as number);
        stack = sampleFrames(p, table.firstSample[s] as number, locFrames, frames.names, maxDepth);
        ids[s] = id;
        stackFrames[s] = stack;
      }
      stacks.push({ id, frames: stack, value });
    }
    if (stacks.length === 0) continue;
    const type = makeProfileType(name, typeNames[t] as string, typeUnits[t] as string, periodType, periodUnit);
    const labels: Labels = { ...ctx.labels, __name__: name };
    out.push({
      tenant: ctx.tenant,
      type,
      labels,
      fingerprint: seriesFingerprint(type.id, labels),
      timeMs,
      durationNanos,
      stacks,
    });
  }
  return out;
}
