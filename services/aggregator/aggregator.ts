/**
 * The aggregator: consumes normalized profiles from the bus, merges them into one batch per partition, writes a
 * batch to ClickHouse when it is big or old enough, and only then commits the bus offsets it covered. A failed
 * write is retried with the same batch (same dedup token) until it succeeds: back-pressure, never loss.
 *
 * Exactly-once through crashes and redelivery: each batch is one partition's contiguous offset range, its range is
 * recorded as soon as the batch is cut (before its first insert), and a member that (re)starts consuming a
 * partition cuts its batches at the recorded ranges, so a repeat insert carries the same dedup token and is
 * dropped (flush-plans.ts has the argument). Offset commits run beside the writes (offset-commits.ts): a commit the
 * broker cannot take holds back neither the plans nor the inserts of the batches behind it.
 */
import type { Logger } from 'pino';
import type { Consumer, DeliveredMessage } from '../../lib/bus/bus.ts';
import { decodeProfile, peekProfile } from '../../lib/bus/envelope.ts';
import { DEFAULT_FLUSH_EARLY_PROFILES } from '../../lib/config/index.ts';
import { DEFAULT_TIER, type SettingsStore } from '../../lib/settings/service-settings.ts';
import type { Store } from '../../lib/store/store.ts';
import { Batch, stackKeyOf, type BusBytes } from './batch.ts';
import { FlushPlans } from './flush-plans.ts';
import { IngestDedupe } from './ingest-dedupe.ts';
import { OffsetCommits } from './offset-commits.ts';
import { PartitionState } from './partition-state.ts';
import { BatchWriter } from './writer.ts';

/** Held messages decoded per event-loop turn when a batch settles (~5–10 ms of work each). */
const SETTLE_SLICE = 256;

export interface AggregatorOptions {
  bucketSeconds: number;
  flushIntervalMs: number;
  flushMaxRows: number;
  /**
   * In-process bus only: while a write runs, the open batch is cut once it holds this many profiles (group commit,
   * `cutsNow`). Default DEFAULT_FLUSH_EARLY_PROFILES.
   */
  flushEarlyProfiles?: number;
  /** No brokers: the in-process bus, whose publishers wait for our commit (group commit; see `eager`). */
  kafka?: { brokers: readonly string[] };
}

export interface AggregatorStats {
  profiles: number;
  flushes: number;
  deadLetters: number;
  lastFlushMs: number;
}

export class Aggregator {
  /** Per partition ("topic\0partition"): open batch, plans ahead, next offset (partition-state.ts). */
  private readonly parts = new Map<string, PartitionState>();
  /** Writes run one at a time, in the order batches were closed, so a partition's commits never go backwards. */
  private writes: Promise<void> = Promise.resolve();
  /** Batches settle (settle()) one at a time as soon as they are cut, beside the write of the batch before. */
  private settles: Promise<void> = Promise.resolve();
  /** Settles when the writes started by the last revoke are done; a newly assigned partition waits for it. */
  private revoked: Promise<void> = Promise.resolve();
  private readonly plans: FlushPlans;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly writer: BatchWriter;
  private readonly dedupe: IngestDedupe;
  private readonly commits: OffsetCommits;
  /**
   * Group commit (in-process bus): every publisher waits for our commit, so waiting for a batch to age only adds
   * latency; batches are cut by `cutsNow`. With Kafka the bus has already acknowledged, and batches close by age or size.
   */
  private readonly eager: boolean;
  private readonly earlyProfiles: number;
  /** Batches cut and not yet written (the one being written included). */
  private writing = 0;
  readonly stats: AggregatorStats = { profiles: 0, flushes: 0, deadLetters: 0, lastFlushMs: 0 };

  constructor(
    private readonly store: Store,
    private readonly consumer: Consumer,
    private readonly opts: AggregatorOptions,
    private readonly log: Logger,
    /** Service settings: each sample row carries its service's retention tier at the time it is merged. */
    private readonly settings?: SettingsStore,
  ) {
    this.plans = new FlushPlans(store);
    this.writer = new BatchWriter(store);
    this.commits = new OffsetCommits(consumer, log);
    this.eager = opts.kafka !== undefined && opts.kafka.brokers.length === 0;
    this.earlyProfiles = opts.flushEarlyProfiles ?? DEFAULT_FLUSH_EARLY_PROFILES;
    // The in-process bus over the embedded engine: no other process writes this store's ingest ids.
    this.dedupe = new IngestDedupe(store, { soleWriter: this.eager && store.embedded });
  }

  private newBatch(): Batch {
    return new Batch(this.opts.bucketSeconds, (tenant, service) => this.settings?.get(tenant, service).tier ?? DEFAULT_TIER);
  }

  async start(): Promise<void> {
    await this.consumer.start({
      onMessages: (msgs) => this.onMessages(msgs),
      onRevoke: (partitions) => this.revoke(partitions),
    });
    this.timer = setInterval(() => {
      const now = Date.now();
      // Planned batches are never cut by age: they end where their recorded plan ends.
      for (const part of this.parts.values()) {
        if (!part.plan && !part.batch.empty && now - part.batch.createdAt >= this.opts.flushIntervalMs) void this.close(part).catch(() => {});
      }
    }, Math.max(10, Math.floor(this.opts.flushIntervalMs / 4)));
  }

  /**
   * The state of a partition, creating it (and reading its recorded plans from `from` on) on the first delivery
   * after assignment. Waits for the writes of the last revoke first, so their plans are among those read.
   */
  private async partition(topic: string, partition: number, from: bigint): Promise<PartitionState> {
    const key = `${topic}\u0000${partition}`;
    let part = this.parts.get(key);
    if (part?.plans) return part;
    await this.revoked;
    part = this.parts.get(key) ?? new PartitionState(topic, partition, () => this.newBatch());
    this.parts.set(key, part);
    if (!part.plans) {
      const plans = await this.plans.pending(topic, partition, from, (kept, dropped) =>
        this.log.error({ topic, partition, kept: `${kept.first}-${kept.last}`, dropped: `${dropped.first}-${dropped.last}` }, 'overlapping flush plans (a zombie member wrote during a rebalance)'),
      );
      // The open batch (kept over a revoke, see revoke()) already follows its plan.
      part.plans = part.plan ? plans.filter((p) => p.first > part!.plan!.last || p.first === part!.plan!.first) : plans;
      if (plans.length > 0) this.log.info({ topic, partition, from: String(from), plans: plans.length }, 're-forming recorded flush plans');
    }
    return part;
  }

  /**
   * Partitions taken away: unplanned batches are written now (any cut is valid: its plan is recorded before the
   * insert), and the partition's state is dropped so the next assignment reads the plans again. A planned batch
   * still waiting for its last offsets is kept: written now it would carry its plan's token with part of its
   * rows; kept, it completes if the partition comes back, or is re-formed by the new owner.
   */
  private revoke(partitions: { topic: string; partition: number }[]): Promise<void> {
    this.commits.forget(partitions);
    for (const { topic, partition } of partitions) {
      const key = `${topic}\u0000${partition}`;
      const part = this.parts.get(key);
      if (!part) continue;
      if (part.plan) {
        part.plans = undefined;
        continue;
      }
      this.parts.delete(key);
      if (!part.batch.empty) void this.close(part).catch(() => {});
    }
    this.revoked = this.writes.catch(() => {});
    return this.revoked;
  }

  private async onMessages(delivered: DeliveredMessage[]): Promise<void> {
    if (delivered.length === 0) return;
    const part = await this.partition(delivered[0].topic, delivered[0].partition, BigInt(delivered[0].offset));
    // Redelivery of offsets this member already holds in a batch (the bus resumed from the committed offset).
    const msgs = delivered.filter((m) => BigInt(m.offset) >= part.next);
    for (const m of msgs) {
      const offset = BigInt(m.offset);
      if (part.mustCloseBefore(offset)) await this.close(part);
      part.open(offset);
      part.batch.track(m.topic, m.partition, m.offset);
      part.next = offset + 1n;
      try {
        const head = peekProfile(m.value);
        // A client retry of a request already stored or in a batch is counted once (services/ingest/retry-dedupe.ts):
        // memory decides now; the store is asked once per batch, before its first write (settle()). Until then the
        // message is held as its bytes (batch.ts says why).
        if (head.ingestId) {
          const held = { topic: m.topic, partition: m.partition, offset: m.offset, value: m.value, stackCount: head.stackCount };
          this.dedupe.claim(head.ingestId, () => part.batch.hold(held, head.ingestId!, head.tenant));
        } else this.merge(part.batch, m);
      } catch (err) {
        this.deadLetter(part.batch, m, err);
      }
      // A planned batch is written as soon as its recorded range is complete.
      if (part.complete()) await this.close(part);
    }
    // Back-pressure: a full batch is written before more is taken from the bus.
    if (!part.plan && part.batch.rowCount >= this.opts.flushMaxRows) await this.close(part);
    else if (this.cutsNow(part)) void this.close(part).catch(() => {});
  }

  /**
   * Group commit (in-process bus): whether the partition's open batch is cut now. When no write is running,
   * always: waiting would only add latency. While one runs, deliveries gather into the open batch, so batches grow
   * with load — but only up to `flushEarlyProfiles`, when it is cut and waits (settled) behind the running write.
   * Without that bound, under load a batch took in every request in flight while the one before was written; they
   * were answered together and came back together, a convoy in which decoding waited for the inserts and the
   * inserts for decoding, with 14–17 % of the machine idle (BENCHMARKS.md, "Ingest, seventh pass"). At most one cut
   * batch waits: past that the open batch keeps growing, and the larger insert costs less per row.
   */
  private cutsNow(part: PartitionState): boolean {
    if (!this.eager || this.stopped || part.plan || part.batch.empty) return false;
    return this.writing === 0 || (this.writing === 1 && part.batch.profileCount >= this.earlyProfiles);
  }

  /**
   * Decodes a message into the batch; false (and dead-lettered) if it cannot be read. Frame names are read only for
   * stacks neither in the batch nor stored by this process already: the others need just their id and value.
   */
  private merge(batch: Batch, m: BusBytes): boolean {
    try {
      batch.add(decodeProfile(m.value, (tenant, id) => this.needsFrames(batch, tenant, id)).profile);
      return true;
    } catch (err) {
      this.deadLetter(batch, m, err);
      return false;
    }
  }

  private needsFrames(batch: Batch, tenant: string, stackId: string): boolean {
    const key = stackKeyOf(tenant, stackId);
    return !batch.stacks.has(key) && !this.writer.knowsStack(key);
  }

  /** A message we cannot read must not block its partition: keep it, with the reason, and go on. */
  private deadLetter(batch: Batch, m: BusBytes, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.log.warn({ topic: m.topic, partition: m.partition, offset: m.offset, reason }, 'dead-lettering undecodable bus message');
    batch.deadLetter({ topic: m.topic, partition: m.partition, offset: m.offset, reason, payload: Buffer.from(m.value).toString('base64') });
    this.stats.deadLetters++;
  }

  /**
   * Once per batch, when it is cut (close) or else before its first write: merges the held messages, except those
   * whose ingest id the store already has (a client retry, counted once). One that cannot be decoded is
   * dead-lettered, and its id is not recorded as stored. Settling while the batch before is still being written
   * is safe: memory (claim) already dropped the ids of every batch this process holds, and the store's answer
   * concerns ids stored before, by this process or another.
   */
  private async settle(batch: Batch): Promise<void> {
    if (batch.settled) return;
    const stored = await this.dedupe.stored(batch.heldIds());
    const held = batch.takeHeld(stored);
    for (let i = 0; i < held.length; i++) {
      // A batch under load holds thousands of messages: decoding them in one go blocked the event loop (and with it
      // HTTP and the decode workers' answers) for 100–300 ms per flush. Other work gets a turn every slice.
      if (i > 0 && i % SETTLE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const h = held[i]!;
      if (!this.merge(batch, h.message)) {
        batch.forgetIngestId(h.ingestId);
        this.dedupe.release(h.ingestId);
      }
    }
  }

  /**
   * Closes a partition's open batch, records its plan at once and queues its write; resolves when it is written
   * and its commit tried. The plan is not queued behind earlier writes: from the moment a batch is cut, a member
   * taking the partition over (after a revoke, or a crash of this one) must find its range, whatever holds up the
   * writes before it — or both would insert the same messages under different tokens. Not on the in-process bus:
   * its topic is new with every process start (in-process.ts), so no one ever re-forms its batches from recorded
   * plans, and the insert (the dearest of a small batch's, measured: BENCHMARKS.md) would be waste.
   */
  private close(part: PartitionState): Promise<void> {
    if (part.batch.empty) return this.writes;
    const batch = part.take();
    const planned = this.eager ? undefined : this.recordPlan(batch);
    planned?.catch(() => {});
    this.writing++;
    // Settled at once, beside the write before it (the lookup and the held messages' decoding are event-loop work,
    // the insert is the engine's): when that write ends, this one can start. If settling fails (the ingest-id
    // lookup), writeWithRetry settles it again.
    const settled = (this.settles = this.settles.then(() => this.settle(batch)).catch(() => {}));
    this.writes = this.writes
      .catch(() => {})
      .then(() => planned)
      .then(() => settled)
      .then(() => this.writeWithRetry(batch))
      .finally(() => {
        this.writing--;
        // Group commit: what gathered while this write ran is cut now (cutsNow).
        for (const p of this.parts.values()) if (this.cutsNow(p)) void this.close(p).catch(() => {});
      });
    return this.writes;
  }

  /** Writes every open batch that may be cut now (all but planned ones still waiting) and commits; resolves when done. */
  flush(): Promise<void> {
    for (const part of this.parts.values()) if (!part.plan && !part.batch.empty) void this.close(part).catch(() => {});
    return this.writes;
  }

  /** Records a batch's range, retrying until it is stored: its rows are never inserted before (a crash in between leaves a plan, never rows without one). */
  private async recordPlan(batch: Batch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.plans.record(batch);
      } catch (err) {
        if (this.stopped) throw err;
        const delay = Math.min(5000, 100 * 2 ** attempt);
        this.log.error({ err, attempt, delay }, 'recording a flush plan failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async writeWithRetry(batch: Batch): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        // Settled when cut (close), unless that failed: drop held profiles whose ingest id the store already has. A
        // retry of this loop reuses the settled batch, so its own ids (recorded at the end of a failed attempt) never count.
        await this.settle(batch);
        await this.writer.write(batch);
        // The store keeps each id a window from now, not from its claim (a write may have waited): so does memory.
        this.dedupe.written(batch.ingestIds);
        break;
      } catch (err) {
        if (this.stopped) throw err;
        const delay = Math.min(5000, 100 * 2 ** attempt);
        this.log.error({ err, attempt, delay, rows: batch.rowCount }, 'batch write failed; retrying with the same dedup token');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    // Stored: the commit is tried now; if the bus refuses it, it is retried beside the writes, never in their way.
    await this.commits.commit(batch.commitPoints());
    this.stats.profiles += batch.profiles;
    this.stats.flushes++;
    this.stats.lastFlushMs = Date.now() - started;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
    await this.commits.stop();
    this.stopped = true;
    await this.consumer.stop();
  }
}
