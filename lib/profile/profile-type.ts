/**
 * Profile type name and id of a pprof, as Pyroscope derives them on /ingest (compat.md "Profile type ids",
 * compat-details §1.6 and §3.3; Pyroscope `pkg/og/convert/pprof/profile.go` metricName).
 */
import type { ProfileType } from './model.ts';

/** One entry of /ingest's `sample_type_config` (a JSON object keyed by pprof sample type). */
export interface SampleTypeSettings {
  units?: string;
  aggregation?: string;
  'display-name'?: string;
  sampled?: boolean;
  cumulative?: boolean;
}

export type SampleTypeConfig = Record<string, SampleTypeSettings>;

/**
 * What Pyroscope assumes when a request carries no sample_type_config (`tree.DefaultSampleTypeMapping`). Only the
 * display names matter for naming: Go's `samples` counts CPU, `goroutine` names the `goroutines` profile, and
 * `contentions`/`delay` are read as mutex (Go block profiles look the same; SDKs that care send their own config).
 * A request's own config replaces this one whole, as in Pyroscope.
 */
export const DEFAULT_SAMPLE_TYPE_CONFIG: Readonly<SampleTypeConfig> = Object.freeze({
  samples: { 'display-name': 'cpu', units: 'samples', sampled: true },
  inuse_objects: { units: 'objects', aggregation: 'average' },
  alloc_objects: { units: 'objects', cumulative: true },
  inuse_space: { units: 'bytes', aggregation: 'average' },
  alloc_space: { units: 'bytes', cumulative: true },
  goroutine: { 'display-name': 'goroutines', units: 'goroutines', aggregation: 'average' },
  contentions: { 'display-name': 'mutex_count', units: 'lock_samples', cumulative: true },
  delay: { 'display-name': 'mutex_duration', units: 'lock_nanoseconds', cumulative: true },
});

/**
 * The profile type name (`__name__`) of a pprof with these sample types (after any spy renames):
 * 1. any sample type exactly `wall` → `wall`;
 * 2. else the first sample type whose display name (config, else the type itself) contains `cpu` → `process_cpu`;
 *    contains `alloc_` or `inuse_`, or is `space`/`objects` → `memory`; contains `mutex_` → `mutex`; contains
 *    `block_` → `block`; contains `goroutines` → `goroutines`;
 * 3. else the last sample type's display name.
 */
export function profileTypeName(sampleTypes: readonly string[], config: Readonly<SampleTypeConfig>): string {
  if (sampleTypes.includes('wall')) return 'wall';
  let st = '';
  for (const type of sampleTypes) {
    // Own properties only: a sample type called `constructor` must not find Object.prototype's.
    const settings = Object.hasOwn(config, type) ? config[type] : undefined;
    const display = settings?.['display-name'];
    st = typeof display === 'string' && display !== '' ? display : type;
    if (st.includes('cpu')) return 'process_cpu';
    if (st.includes('alloc_') || st.includes('inuse_') || st === 'space' || st === 'objects') return 'memory';
    if (st.includes('mutex_')) return 'mutex';
    if (st.includes('block_')) return 'block';
    if (st.includes('goroutines')) return 'goroutines';
  }
  return st;
}

/** `name:sampleType:sampleUnit:periodType:periodUnit`; empty parts stay empty (`memory:inuse_space:bytes::`). */
export function makeProfileType(name: string, sampleType: string, sampleUnit: string, periodType: string, periodUnit: string): ProfileType {
  return {
    id: `${name}:${sampleType}:${sampleUnit}:${periodType}:${periodUnit}`,
    name,
    sampleType,
    sampleUnit,
    periodType,
    periodUnit,
  };
}
