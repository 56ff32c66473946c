/**
 * Which samples table serves a range. Single tier for now: everything is in `samples_raw`, bucketed at the
 * ingest resolution. The tiered-retention work chooses among raw / 1m / 1h here, and only here.
 */
export interface Tier {
  table: string;
  bucketSeconds: number;
  name: string;
}

export function chooseTier(_fromMs: number, _untilMs: number, rawBucketSeconds: number): Tier {
  return { table: 'samples_raw', bucketSeconds: rawBucketSeconds, name: 'raw' };
}
