/**
 * Writes a batch to ClickHouse: stacks and series first, samples last, so a query never sees a sample whose
 * stack is missing. Every insert carries a dedup token derived from the batch's offset ranges, so writing the
 * same batch again (retry after an error, redelivery after a crash) changes nothing.
 */
import type { Store } from '../../lib/store/store.ts';
import type { Batch } from './batch.ts';

/** Remembers what this process already stored, to skip re-writing known stacks and series-days. Bounded. */
class SeenSet {
  private set = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string): boolean {
    return this.set.has(k);
  }
  add(k: string): void {
    if (this.set.size >= this.max) this.set = new Set();
    this.set.add(k);
  }
}

export class BatchWriter {
  private readonly seenStacks = new SeenSet(2_000_000);
  private readonly seenSeries = new SeenSet(500_000);

  constructor(private readonly store: Store) {}

  async write(batch: Batch): Promise<void> {
    const token = batch.token();
    const newStacks = [...batch.stacks.entries()].filter(([k]) => !this.seenStacks.has(k));
    const newSeries = [...batch.series.entries()].filter(([k]) => !this.seenSeries.has(k));
    await this.store.insertRows('stacks', newStacks.map(([, r]) => r), `${token}#stacks`);
    await this.store.insertRows('series', newSeries.map(([, r]) => r), `${token}#series`);
    await this.store.insertRows('dead_letters', batch.deadLetters, `${token}#dead`);
    await this.store.insertRows('samples_raw', [...batch.samples.values(), ...batch.overflow], `${token}#samples`);
    for (const [k] of newStacks) this.seenStacks.add(k);
    for (const [k] of newSeries) this.seenSeries.add(k);
  }
}
