/**
 * Flush plans: how a crashed aggregator's replacement re-forms the same batches, so that ClickHouse drops its
 * repeat inserts (the argument, also in README "Exactly-once into ClickHouse"):
 *
 * 1. Every batch holds messages of ONE partition, a contiguous offset range [first, last]; all its inserts carry
 *    insert_deduplication_token derived from (topic, partition, first, last) (Batch.token) on tables with a
 *    deduplication window, so inserting the same range twice stores it once.
 * 2. The moment a batch is cut, its range is recorded here (`record`), before its first insert and without waiting
 *    for the writes queued ahead of it. Offsets are committed only after every insert of the batch succeeded, and
 *    always at `last + 1` — a plan boundary. A commit the broker refuses is retried beside the writes
 *    (offset-commits.ts), so it delays neither later plans nor later inserts; the committed offset may lag, but it
 *    is always some plan's boundary.
 * 3. Whoever consumes the partition next (this process after a rebalance, another after kill -9) starts at the
 *    committed offset C, which is the `first` of the oldest plan not known to be committed. It reads the plans
 *    with last >= C (`pending`) and cuts its batches at exactly those ranges (PartitionState), completing a
 *    planned batch only when its last offset has arrived (or a later one, if the log skips offsets). The rows of
 *    a re-formed batch are the same messages, so either the crashed insert had landed and the repeat is dropped
 *    by its token, or it had not and the repeat stores it — once either way. Messages beyond the last plan form
 *    new batches; their ranges cannot collide with a plan, so no token repeats by accident.
 * 4. The plan is recorded before the insert, so there is no moment at which rows exist in ClickHouse whose range
 *    the next consumer would not know. A plan recorded without any insert is harmless: re-forming it just inserts.
 *
 * Why (2) records at cut time: a member that loses a partition keeps the batches it already cut and still inserts
 * them (revoke keeps them so nothing is lost). If their plans waited behind earlier writes — e.g. behind a commit
 * retried while the broker was down — the new owner could read the plans first, batch those offsets differently
 * under other tokens, and both inserts would land: a double count (aggregator.test.ts reproduces exactly this).
 *
 * What this does not cover (documented limit, as for ClickHouse's Kafka Connect sink): a zombie member that cuts
 * a batch after its partition was given to another member AND whose plan insert lands only after the new owner has
 * read the plans. Members cut and record what they hold as soon as a rebalance starts (kafka-consumer.ts), so the
 * window is one plan insert racing a whole rebalance.
 */
import type { Store } from '../../lib/store/store.ts';
import type { Batch } from './batch.ts';

export interface FlushPlan {
  topic: string;
  partition: number;
  first: bigint;
  last: bigint;
}

export class FlushPlans {
  constructor(private readonly store: Store) {}

  /** Records the ranges of a batch; idempotent (a re-formed batch records the same row, which collapses on merge). */
  async record(batch: Batch): Promise<void> {
    const rows = [...batch.ranges.values()].map((r) => ({ topic: r.topic, partition: r.partition, first: String(r.first), last: String(r.last) }));
    await this.store.insertRows('aggregator_flush_plans', rows);
  }

  /**
   * Plans of a partition that end at or after `from`, in offset order. Should two plans overlap (only a zombie
   * member can cause that), the earliest recorded wins and the overlap is reported to `onConflict`.
   */
  async pending(topic: string, partition: number, from: bigint, onConflict?: (kept: FlushPlan, dropped: FlushPlan) => void): Promise<FlushPlan[]> {
    const rows = await this.store.select<{ plan_first: string; plan_last: string }>(
      `SELECT toString(first) AS plan_first, toString(argMin(last, recorded)) AS plan_last FROM aggregator_flush_plans
       WHERE topic = {topic:String} AND partition = {partition:UInt32} AND last >= {from:UInt64}
       GROUP BY first ORDER BY min(recorded), first`,
      { topic, partition, from: String(from) },
    );
    const kept: FlushPlan[] = [];
    for (const r of rows) {
      const plan = { topic, partition, first: BigInt(r.plan_first), last: BigInt(r.plan_last) };
      const clash = kept.find((k) => plan.first <= k.last && k.first <= plan.last);
      if (clash) onConflict?.(clash, plan);
      else kept.push(plan);
    }
    return kept.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  }
}
