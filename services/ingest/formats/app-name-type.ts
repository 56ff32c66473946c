/**
 * The profile type of a non-pprof /ingest body, as Pyroscope derives it (`ingest_adapter.go convertMetadata`,
 * compat-details §1.6): the LAST `.`-separated part of the app name names the type and is removed from the app
 * name; no dot means `cpu`; a dotted name with an unknown last part is refused. For CPU and wall time, `sampleRate`
 * turns sample counts into nanoseconds: period = floor(1e9 / sampleRate), every value × period.
 */
import { HotpathError } from '../../../lib/errors.ts';

interface SuffixType {
  name: string;
  sampleType: string;
  sampleUnit: string;
  /** CPU/wall: counts become `<timeType>:nanoseconds` when a sample rate is known. */
  timeType?: 'cpu' | 'wall';
}

const cpu: SuffixType = { name: 'process_cpu', sampleType: 'samples', sampleUnit: 'count', timeType: 'cpu' };
const wall: SuffixType = { name: 'wall', sampleType: 'samples', sampleUnit: 'count', timeType: 'wall' };
const mem = (sampleType: string, sampleUnit: string): SuffixType => ({ name: 'memory', sampleType, sampleUnit });

const SUFFIXES: Record<string, SuffixType> = {
  cpu,
  itimer: cpu,
  wall,
  seconds: wall,
  nanoseconds: wall,
  microseconds: wall,
  milliseconds: wall,
  inuse_objects: mem('inuse_objects', 'count'),
  alloc_objects: mem('alloc_objects', 'count'),
  inuse_space: mem('inuse_space', 'bytes'),
  alloc_space: mem('alloc_space', 'bytes'),
  alloc_in_new_tlab_objects: mem('alloc_in_new_tlab_objects', 'count'),
  alloc_in_new_tlab_bytes: mem('alloc_in_new_tlab_bytes', 'bytes'),
  alloc_outside_tlab_objects: mem('alloc_outside_tlab_objects', 'count'),
  alloc_outside_tlab_bytes: mem('alloc_outside_tlab_bytes', 'bytes'),
  live: mem('live', 'count'),
  bytes: mem('samples', 'bytes'),
  goroutines: { name: 'goroutine', sampleType: 'goroutines', sampleUnit: 'count' },
  mutex_count: { name: 'mutex', sampleType: 'contentions', sampleUnit: 'count' },
  mutex_duration: { name: 'mutex', sampleType: 'delay', sampleUnit: 'nanoseconds' },
  block_count: { name: 'block', sampleType: 'contentions', sampleUnit: 'count' },
  block_duration: { name: 'block', sampleType: 'delay', sampleUnit: 'nanoseconds' },
  lock_count: { name: 'block', sampleType: 'contentions', sampleUnit: 'count' },
  lock_duration: { name: 'block', sampleType: 'delay', sampleUnit: 'nanoseconds' },
  exceptions: { name: 'exceptions', sampleType: 'samples', sampleUnit: 'count' },
};

export interface SuffixProfileType {
  /** App name without the type suffix: the `service_name` (or `app_name`) label. */
  app: string;
  name: string;
  sampleType: string;
  sampleUnit: string;
  /** Empty when the type has no period (every type but CPU/wall with a sample rate). */
  periodType: string;
  periodUnit: string;
  /** Every value is multiplied by this (1 unless CPU/wall counts become nanoseconds). */
  multiplier: number;
}

/** `sampleRate` as Pyroscope reads it: a decimal integer, 100 when absent, negative or not an integer. */
export function parseSampleRate(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw)) return 100;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : 100;
}

export function profileTypeFromAppName(appName: string, sampleRate: number): SuffixProfileType {
  const dot = appName.lastIndexOf('.');
  const suffix = dot < 0 ? 'cpu' : appName.slice(dot + 1);
  const app = dot < 0 ? appName : appName.slice(0, dot);
  const t = SUFFIXES[suffix];
  if (!t) {
    const known = Object.keys(SUFFIXES).join(', ');
    throw new HotpathError('bad_request', `name: unknown profile type ${JSON.stringify(suffix)} (the last "."-separated part of ${JSON.stringify(appName)}); use one of: ${known}`);
  }
  if (app === '') throw new HotpathError('bad_request', `name: service name is required before the ".${suffix}" profile type suffix`);
  if (t.timeType && sampleRate !== 0) {
    return {
      app,
      name: t.name,
      sampleType: t.timeType,
      sampleUnit: 'nanoseconds',
      periodType: 'cpu',
      periodUnit: 'nanoseconds',
      multiplier: Math.floor(1e9 / sampleRate),
    };
  }
  return { app, name: t.name, sampleType: t.sampleType, sampleUnit: t.sampleUnit, periodType: '', periodUnit: '', multiplier: 1 };
}
