/**
 * Offset commits, kept off the aggregator's write path. Once a batch is inserted its rows and its flush plan are
 * durable, so a commit the bus refuses (broker down, coordinator moving) must not hold back the batches queued
 * behind it: their plans and rows are what a member taking over the partition relies on (flush-plans.ts). A
 * refused commit is kept — the highest point per partition — and retried; a later commit of the same partition
 * supersedes it. Commits never go backwards, and run one at a time so a retry cannot overtake a newer point.
 * Losing a pending commit (crash, revoke) is safe: the next owner starts from the last commit that landed and
 * re-forms the recorded plans, whose repeat inserts ClickHouse drops by their tokens.
 */
import type { Logger } from 'pino';
import type { CommitPoint, Consumer } from '../../lib/bus/bus.ts';

const keyOf = (p: { topic: string; partition: number }) => `${p.topic}\u0000${p.partition}`;

export class OffsetCommits {
  /** Refused points waiting for a retry, per partition. */
  private readonly pending = new Map<string, CommitPoint>();
  /** The highest point committed per partition. */
  private readonly done = new Map<string, bigint>();
  private queue: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly log: Logger,
    private readonly retryMs = 1000,
  ) {}

  /** Commits `points` (with any refused earlier points); resolves once tried — a refusal is kept for a retry, not thrown. */
  commit(points: CommitPoint[]): Promise<void> {
    for (const p of points) this.keep(p);
    return this.attempt();
  }

  /**
   * Partitions taken away: their refused points are dropped (the next owner re-forms from the last landed commit),
   * and so is what we committed, since the partition's log position is another member's now.
   */
  forget(partitions: { topic: string; partition: number }[]): void {
    for (const p of partitions) {
      this.pending.delete(keyOf(p));
      this.done.delete(keyOf(p));
    }
  }

  /** One last attempt for what is pending, then no more retries. */
  async stop(): Promise<void> {
    await this.attempt();
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private keep(p: CommitPoint): void {
    const k = keyOf(p);
    const o = BigInt(p.offset);
    if (o <= (this.done.get(k) ?? -1n)) return;
    const prev = this.pending.get(k);
    if (!prev || BigInt(prev.offset) < o) this.pending.set(k, p);
  }

  private attempt(): Promise<void> {
    this.queue = this.queue.then(async () => {
      const points = [...this.pending.values()].filter((p) => BigInt(p.offset) > (this.done.get(keyOf(p)) ?? -1n));
      if (points.length === 0) return;
      try {
        await this.consumer.commit(points);
        for (const p of points) {
          const k = keyOf(p);
          this.done.set(k, BigInt(p.offset));
          if (this.pending.get(k) === p) this.pending.delete(k);
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message, points }, 'offset commit refused; kept for a retry (the batches are stored and their plans recorded)');
        if (!this.stopped) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.attempt(), this.retryMs);
        }
      }
    });
    return this.queue;
  }
}
