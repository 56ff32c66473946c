/**
 * Writes a batch to ClickHouse: stacks and series first, samples last, so a query never sees a sample whose
 * stack is missing. Every insert carries a dedup token derived from the batch's offset ranges, so writing the
 * same batch again (retry after an error, redelivery after a crash) changes nothing.
 */
import { SUMMED_INSERT, type Store } from '../../lib/store/store.ts';
import { REFERENCE_REFRESH_SECONDS } from '../../lib/store/tiers-ddl.ts';
import type { Batch } from './batch.ts';
import { ingestIdRows } from './ingest-dedupe.ts';
import { sampleGroupsTsv } from './sample-tsv.ts';

/**
 * Remembers what this process already stored, and when, to skip re-writing known stacks and series-days. Bounded.
 * A key is written again once its last write is REFERENCE_REFRESH_SECONDS old: stacks and series expire that long
 * after their last write plus the longest TTL (lib/store/tiers-ddl.ts), so rows still in use are kept alive.
 */
class SeenSet {
  private map = new Map<string, number>();
  constructor(private readonly max: number) {}
  has(k: string, nowS: number): boolean {
    const at = this.map.get(k);
    return at !== undefined && nowS - at < REFERENCE_REFRESH_SECONDS;
  }
  add(k: string, nowS: number): void {
    if (this.map.size >= this.max) this.map = new Map();
    this.map.set(k, nowS);
  }
}

export class BatchWriter {
  private readonly seenStacks = new SeenSet(2_000_000);
  private readonly seenSeries = new SeenSet(500_000);

  constructor(private readonly store: Store) {}

  /** Whether `key` (stackKeyOf) is a stack this process stored recently enough not to write it again now. */
  knowsStack(key: string): boolean {
    return this.seenStacks.has(key, Math.floor(Date.now() / 1000));
  }

  async write(batch: Batch): Promise<void> {
    const token = batch.token();
    const nowS = Math.floor(Date.now() / 1000);
    const newStacks = [...batch.stacks.entries()].filter(([k]) => !this.seenStacks.has(k, nowS));
    const newSeries = [...batch.series.entries()].filter(([k]) => !this.seenSeries.has(k, nowS));
    // A stack's last_seen is its last write (or its bucket, if later): what its TTL counts from.
    await this.store.insertRows('stacks', newStacks.map(([, r]) => ({ ...r, last_seen: Math.max(r.last_seen, nowS) })), `${token}#stacks`);
    await this.store.insertRows('series', newSeries.map(([, r]) => r), `${token}#series`);
    await this.store.insertRows('dead_letters', batch.deadLetters, `${token}#dead`);
    // Summed already: the batch holds one row per key, and the views' repeats are summed by merges and queries.
    await this.store.insertRows('samples_raw', sampleGroupsTsv(batch.sampleGroups(), batch.overflow), `${token}#samples`, SUMMED_INSERT);
    // After the samples, never before: see services/ingest/retry-dedupe.ts (point 5).
    await this.store.insertRows('ingest_ids', ingestIdRows(batch.ingestIds), `${token}#ingest_ids`);
    for (const [k] of newStacks) this.seenStacks.add(k, nowS);
    for (const [k] of newSeries) this.seenSeries.add(k, nowS);
  }
}
