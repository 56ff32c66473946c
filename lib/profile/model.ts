/**
 * The normalized profile: what every ingest protocol produces, what the bus carries and what the
 * aggregator merges. One per (pprof, sample type). See ARCHITECTURE.md §1.2.
 */

/** `name:sampleType:sampleUnit:periodType:periodUnit`, e.g. `process_cpu:cpu:nanoseconds:cpu:nanoseconds`. */
export interface ProfileType {
  id: string;
  name: string;
  sampleType: string;
  sampleUnit: string;
  periodType: string;
  periodUnit: string;
}

/** Series labels, Prometheus style. Always holds `service_name` and `__name__` (the profile type name). */
export type Labels = Record<string, string>;

export interface Stack {
  /** 64-bit stack id (hash of the frame names, root-first), as an unsigned decimal string (ClickHouse UInt64). */
  id: string;
  /** Frame names, root first, leaf last. */
  frames: string[];
  /**
   * Summed value of every sample with this stack, in the profile type's unit. Signed (delta profiles carry
   * negative values), never 0, always a safe integer (|v| <= 2^53 - 1; larger values are refused at decode).
   */
  value: number;
}

export interface NormalizedProfile {
  tenant: string;
  type: ProfileType;
  /** Series labels (sample labels such as span_id are NOT here: they stay out of the series key). */
  labels: Labels;
  /** 64-bit fingerprint of (profile type id, sorted labels), unsigned decimal string. */
  fingerprint: string;
  /** Profile time, milliseconds since the epoch. */
  timeMs: number;
  /** Duration the profile covers, nanoseconds (0 when unknown). */
  durationNanos: number;
  stacks: Stack[];
}
