/**
 * The profile model's public API: decode pprof, normalize it into one NormalizedProfile per sample type, hash
 * stacks and series.
 */
import { decodePprof, type DecodeOptions } from './decode.ts';
import type { NormalizedProfile } from './model.ts';
import { normalizePprof, type NormalizeContext } from './normalize.ts';
import { withScratchArrays } from './scratch-arrays.ts';

export type { Labels, NormalizedProfile, ProfileType, Stack } from './model.ts';
export type { DecodedPprof, StringTable } from './decoded-pprof.ts';
export { decodePprof, decodePprofReference, type DecodeOptions } from './decode.ts';
export { isGzip } from './gunzip.ts';
export {
  DEFAULT_MAX_DEPTH,
  NO_STACK_FRAME,
  normalizePprof,
  TRUNCATED_FRAME,
  type NormalizeContext,
} from './normalize.ts';
export {
  DEFAULT_SAMPLE_TYPE_CONFIG,
  makeProfileType,
  profileTypeName,
  type SampleTypeConfig,
  type SampleTypeSettings,
} from './profile-type.ts';
export {
  FrameHashCache,
  frameHashA,
  frameHashB,
  seriesFingerprint,
  STACK_SEED_A,
  STACK_SEED_B,
  stackFinish,
  stackId,
  stackStep,
  uint64Decimal,
} from './hash.ts';

/**
 * pprof bytes (gzip'd or not) → normalized profiles, one per sample type with a non-zero stack. The decoded columns
 * live only during the call, so they are carved from the reusable scratch buffer (scratch-arrays.ts).
 */
export function profilesFromPprof(bytes: Uint8Array, ctx: NormalizeContext & DecodeOptions): NormalizedProfile[] {
  return withScratchArrays(() => normalizePprof(decodePprof(bytes, ctx), ctx));
}
