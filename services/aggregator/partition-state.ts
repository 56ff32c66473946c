/**
 * What the aggregator holds for one partition: the open batch, the recorded flush plans still ahead of it, and
 * the next offset it expects. It decides where each delivered offset goes so that batches cut at the recorded
 * plan boundaries (flush-plans.ts) — the rule that makes a replacement's repeat inserts carry the same tokens.
 */
import type { Batch } from './batch.ts';
import type { FlushPlan } from './flush-plans.ts';

function samePlan(a: FlushPlan | undefined, b: FlushPlan | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.first === b.first && a.last === b.last);
}

export class PartitionState {
  batch: Batch;
  /** The recorded plan the open batch re-forms; undefined for a batch cut by age or size. */
  plan?: FlushPlan;
  /** Plans ahead of the open batch, in offset order; undefined until read (after assignment or a revoke). */
  plans?: FlushPlan[];
  /** One past the last offset taken: a redelivered offset below it is already in a batch of this member. */
  next = -1n;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly newBatch: () => Batch,
  ) {
    this.batch = newBatch();
  }

  /** The recorded plan that offset `o` belongs to, forgetting plans that end before it. */
  planFor(o: bigint): FlushPlan | undefined {
    const plans = this.plans ?? [];
    while (plans.length > 0 && plans[0].last < o) plans.shift();
    return plans.length > 0 && plans[0].first <= o ? plans[0] : undefined;
  }

  /** True when offset `o` cannot join the open batch: it belongs to another plan (or to none, after a planned one). */
  mustCloseBefore(o: bigint): boolean {
    return !this.batch.empty && !samePlan(this.planFor(o), this.plan);
  }

  /** Called before an offset joins an empty batch: the batch follows the plan of that offset, if any. */
  open(o: bigint): void {
    if (this.batch.empty) this.plan = this.planFor(o);
  }

  /** A planned batch is complete once its last offset was taken. */
  complete(): boolean {
    return this.plan !== undefined && this.next > this.plan.last;
  }

  /**
   * Takes the open batch for writing and opens a new one. A planned batch covers exactly its recorded range
   * (even if the log skipped offsets inside it), so its token is the recorded one.
   */
  take(): Batch {
    const batch = this.batch;
    if (this.plan) {
      batch.track(this.topic, this.partition, String(this.plan.first));
      batch.track(this.topic, this.partition, String(this.plan.last));
      if (samePlan(this.plans?.[0], this.plan)) this.plans!.shift();
    }
    this.batch = this.newBatch();
    this.plan = undefined;
    return batch;
  }
}
