/**
 * One aggregator batch: profiles merged by (tenant, profile type, series, bucket, stack) into summed values, plus
 * the stacks and series first seen in it, and the bus offset range each partition contributed. A batch is pure
 * data — the writer turns it into ClickHouse rows; the same messages always form the same rows.
 *
 * A batch lives until its write is done (a second or more under load), so what it holds survives the young
 * generation's collections and is copied into the old one: it keeps the sums compact (one group per series and
 * bucket, stack id → value), and profiles waiting for the ingest-id lookup as their bus bytes, not decoded.
 */
import type { DeliveredMessage } from '../../lib/bus/bus.ts';
import { FRAMES_NOT_READ } from '../../lib/bus/envelope.ts';
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

/** The sample rows of one (tenant, profile type, series, bucket, retention): stack id → summed value. */
export interface SampleGroup {
  tenant: string;
  profile_type: string;
  service: string;
  fingerprint: string;
  bucket: number;
  retention: string;
  version: string;
  values: Map<string, number>;
}

/** A bus message as the aggregator keeps it: where it came from (for dead letters) and its bytes. */
export type BusBytes = Pick<DeliveredMessage, 'topic' | 'partition' | 'offset' | 'value'>;

/** A profile with an ingest id, held as its bus message until the batch's ingest-id lookup (Batch.hold). */
export interface HeldMessage extends BusBytes {
  /** Stacks in the message (an upper bound of the rows it adds). */
  stackCount: number;
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
  private readonly groups = new Map<string, SampleGroup>();
  private groupedRows = 0;
  /** Rows split off because a sum would leave the exact range of a JS number; ClickHouse sums them on read. */
  readonly overflow: SampleRow[] = [];
  readonly stacks = new Map<string, StackRow>();
  readonly series = new Map<string, SeriesRow>();
  readonly deadLetters: DeadLetterRow[] = [];
  readonly ranges = new Map<string, OffsetRange>();
  /** Ingest ids of the profiles merged here (ingest-dedupe.ts), recorded after the samples. */
  ingestIds: { tenant: string; ingestId: string }[] = [];
  /**
   * Messages with an ingest id, held unmerged until the store has said which of their ids it already holds: one
   * lookup per batch, before its first write (IngestDedupe.stored, Aggregator.settle), not one per bus delivery.
   */
  private held: { message: HeldMessage; ingestId: string }[] = [];
  private heldRows = 0;
  /** False while held messages wait for the batch's ingest-id lookup. */
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

  /** Rows so far; a held message counts one row per stack (an upper bound: merging only shrinks it). */
  get rowCount(): number {
    return this.groupedRows + this.overflow.length + this.heldRows;
  }

  get empty(): boolean {
    return this.ranges.size === 0;
  }

  /** Profiles in the batch, merged or held. */
  get profileCount(): number {
    return this.profiles + this.held.length;
  }

  /** Ingest ids of the held messages (what the batch's lookup asks about). */
  heldIds(): string[] {
    return this.held.map((h) => h.ingestId);
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
    const retention = this.retentionOf(p.tenant, service);
    const seriesKey = `${p.tenant}\u0000${p.type.id}\u0000${p.fingerprint}`;
    const day = new Date(bucket * 1000).toISOString().slice(0, 10);
    // Retention is part of the keys, as of the tables': a tier change inside a batch keeps both rows.
    const seriesDayKey = `${seriesKey}\u0000${day}\u0000${retention}`;
    if (!this.series.has(seriesDayKey)) {
      this.series.set(seriesDayKey, { tenant: p.tenant, profile_type: p.type.id, fingerprint: p.fingerprint, day, service, labels: p.labels, retention });
    }
    const groupKey = `${seriesKey}\u0000${bucket}\u0000${retention}`;
    let g = this.groups.get(groupKey);
    if (!g) {
      g = { tenant: p.tenant, profile_type: p.type.id, service, fingerprint: p.fingerprint, bucket, retention, version: p.labels.version ?? '', values: new Map() };
      this.groups.set(groupKey, g);
    }
    const values = g.values;
    for (const s of p.stacks) {
      const sum = values.get(s.id);
      if (sum === undefined) {
        values.set(s.id, s.value);
        this.groupedRows++;
      } else if (Number.isSafeInteger(sum + s.value)) {
        values.set(s.id, sum + s.value);
      } else {
        this.overflow.push(sampleRow(g, s.id, sum));
        values.set(s.id, s.value);
      }
      // Frames not read: the writer already stored this stack (Aggregator.merge); it is not written again now.
      if (s.frames === FRAMES_NOT_READ) continue;
      const stackKey = stackKeyOf(p.tenant, s.id);
      if (!this.stacks.has(stackKey)) this.stacks.set(stackKey, { tenant: p.tenant, stack_id: s.id, frames: s.frames, last_seen: bucket });
    }
  }

  /** The sample rows: every (group, stack) sum, then the overflow rows. Made as they are read (short-lived). */
  *sampleRows(): IterableIterator<SampleRow> {
    for (const g of this.groups.values()) for (const [stackId, value] of g.values) yield sampleRow(g, stackId, value);
    yield* this.overflow;
  }

  /** The sums by group (what sampleRows spells out row by row); the overflow rows are apart. */
  sampleGroups(): IterableIterator<SampleGroup> {
    return this.groups.values();
  }

  /** Takes a message whose ingest id is new to memory; it is merged after the batch's lookup (`takeHeld`). */
  hold(message: HeldMessage, ingestId: string, tenant: string): void {
    this.held.push({ message, ingestId });
    this.heldRows += message.stackCount;
    this.ingestIds.push({ tenant, ingestId });
  }

  /**
   * The held messages, once the batch's lookup is done; the batch forgets them (the caller merges each with `add`
   * or drops it). `stored`: ids the store already holds, whose profiles are retries and are not recorded again.
   */
  takeHeld(stored: ReadonlySet<string>): { message: HeldMessage; ingestId: string }[] {
    const held = this.held;
    this.held = [];
    this.heldRows = 0;
    if (stored.size > 0) this.ingestIds = this.ingestIds.filter((e) => !stored.has(e.ingestId));
    return held.filter((h) => !stored.has(h.ingestId));
  }

  /** Forgets a held message's ingest id: it could not be merged (dead-lettered), so it is not recorded as stored. */
  forgetIngestId(ingestId: string): void {
    this.ingestIds = this.ingestIds.filter((e) => e.ingestId !== ingestId);
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

/** The key of a stack in `Batch.stacks` and in the writer's memory of stored stacks. */
export function stackKeyOf(tenant: string, stackId: string): string {
  return `${tenant}\u0000${stackId}`;
}

function sampleRow(g: SampleGroup, stack_id: string, value: number): SampleRow {
  return { tenant: g.tenant, profile_type: g.profile_type, service: g.service, fingerprint: g.fingerprint, bucket: g.bucket, stack_id, value, retention: g.retention, version: g.version };
}
