/**
 * One aggregator batch: profiles merged by (tenant, profile type, series, bucket, stack) into summed values, plus
 * the stacks and series first seen in it, and the bus offset range each partition contributed. A batch is pure
 * data — the writer turns it into ClickHouse rows; the same messages always form the same rows.
 */
import type { NormalizedProfile } from '../../lib/profile/model.ts';

export interface SampleRow {
  tenant: string;
  profile_type: string;
  service: string;
  fingerprint: string;
  bucket: number;
  stack_id: string;
  value: number;
  /** The service's retention tier when the row was formed (the tables' TTLs read it). */
  retention: string;
  /** The series' `version` label ('' without one): the per-service rollups keep versions apart (canary vs baseline). */
  version: string;
}

export interface StackRow {
  tenant: string;
  stack_id: string;
  frames: string[];
  last_seen: number;
}

export interface SeriesRow {
  tenant: string;
  profile_type: string;
  fingerprint: string;
  day: string;
  service: string;
  labels: Record<string, string>;
  retention: string;
}

export interface DeadLetterRow {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  payload: string;
}

/** First and last offset of a partition's messages in this batch (inclusive). */
export interface OffsetRange {
  topic: string;
  partition: number;
  first: bigint;
  last: bigint;
}

export class Batch {
  readonly samples = new Map<string, SampleRow>();
  /** Rows split off because a sum would leave the exact range of a JS number; ClickHouse sums them on read. */
  readonly overflow: SampleRow[] = [];
  readonly stacks = new Map<string, StackRow>();
  readonly series = new Map<string, SeriesRow>();
  readonly deadLetters: DeadLetterRow[] = [];
  readonly ranges = new Map<string, OffsetRange>();
  /** Ingest ids of the profiles merged here (ingest-dedupe.ts), recorded after the samples. */
  ingestIds: { tenant: string; ingestId: string }[] = [];
  /**
   * Profiles with an ingest id, held unmerged until the store has said which of their ids it already holds: one
   * lookup per batch, before its first write (IngestDedupe.stored, Aggregator.settle), not one per bus delivery.
   */
  readonly held: { profile: NormalizedProfile; ingestId: string }[] = [];
  private heldRows = 0;
  /** False while held profiles wait for the batch's ingest-id lookup. */
  get settled(): boolean {
    return this.held.length === 0;
  }
  readonly createdAt = Date.now();
  profiles = 0;

  /** `retentionOf` names a service's retention tier (its settings, read from a cache: never waits). */
  constructor(
    private readonly bucketSeconds: number,
    private readonly retentionOf: (tenant: string, service: string) => string,
  ) {}

  /** Rows so far; a held profile counts one row per stack (an upper bound: merging only shrinks it). */
  get rowCount(): number {
    return this.samples.size + this.overflow.length + this.heldRows;
  }

  get empty(): boolean {
    return this.ranges.size === 0;
  }

  /** Records that a message at (topic, partition, offset) is part of this batch, processed or dead-lettered. */
  track(topic: string, partition: number, offset: string): void {
    const key = `${topic}\u0000${partition}`;
    const o = BigInt(offset);
    const r = this.ranges.get(key);
    if (!r) this.ranges.set(key, { topic, partition, first: o, last: o });
    else {
      if (o < r.first) r.first = o;
      if (o > r.last) r.last = o;
    }
  }

  add(p: NormalizedProfile): void {
    this.profiles++;
    const bucket = Math.floor(p.timeMs / 1000 / this.bucketSeconds) * this.bucketSeconds;
    const service = p.labels.service_name ?? '';
    const version = p.labels.version ?? '';
    const retention = this.retentionOf(p.tenant, service);
    const seriesKey = `${p.tenant}\u0000${p.type.id}\u0000${p.fingerprint}`;
    const day = new Date(bucket * 1000).toISOString().slice(0, 10);
    // Retention is part of the keys, as of the tables': a tier change inside a batch keeps both rows.
    const seriesDayKey = `${seriesKey}\u0000${day}\u0000${retention}`;
    if (!this.series.has(seriesDayKey)) {
      this.series.set(seriesDayKey, { tenant: p.tenant, profile_type: p.type.id, fingerprint: p.fingerprint, day, service, labels: p.labels, retention });
    }
    const prefix = `${seriesKey}\u0000${bucket}\u0000${retention}\u0000`;
    for (const s of p.stacks) {
      const key = prefix + s.id;
      const row = this.samples.get(key);
      if (!row) {
        this.samples.set(key, { tenant: p.tenant, profile_type: p.type.id, service, fingerprint: p.fingerprint, bucket, stack_id: s.id, value: s.value, retention, version });
      } else if (Number.isSafeInteger(row.value + s.value)) {
        row.value += s.value;
      } else {
        this.overflow.push({ ...row });
        row.value = s.value;
      }
      const stackKey = `${p.tenant}\u0000${s.id}`;
      if (!this.stacks.has(stackKey)) this.stacks.set(stackKey, { tenant: p.tenant, stack_id: s.id, frames: s.frames, last_seen: bucket });
    }
  }

  /** Takes a profile whose ingest id is new to memory; it is merged by `settle` (or dropped, if stored already). */
  hold(profile: NormalizedProfile, ingestId: string): void {
    this.held.push({ profile, ingestId });
    this.heldRows += profile.stacks.length;
    this.ingestIds.push({ tenant: profile.tenant, ingestId });
  }

  /** Merges the held profiles, except those whose ingest id the store already holds (a client retry, counted once). */
  settle(stored: ReadonlySet<string>): void {
    for (const h of this.held) if (!stored.has(h.ingestId)) this.add(h.profile);
    if (stored.size > 0) this.ingestIds = this.ingestIds.filter((e) => !stored.has(e.ingestId));
    this.held.length = 0;
    this.heldRows = 0;
  }

  deadLetter(row: DeadLetterRow): void {
    this.deadLetters.push(row);
  }

  /**
   * The batch's identity for ClickHouse deduplication: its offset ranges. Redelivered messages that form the same
   * ranges produce the same token, so a repeated insert is dropped (exactly-once totals).
   */
  token(): string {
    return [...this.ranges.values()]
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
      .map((r) => `${r.topic}/${r.partition}/${r.first}-${r.last}`)
      .join(',');
  }

  /** Where each partition's consumer may commit after this batch is stored: one past its last offset. */
  commitPoints(): { topic: string; partition: number; offset: string }[] {
    return [...this.ranges.values()].map((r) => ({ topic: r.topic, partition: r.partition, offset: String(r.last + 1n) }));
  }
}
