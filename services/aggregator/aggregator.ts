/**
 * The aggregator: consumes normalized profiles from the bus, merges them into a batch, writes the batch to
 * ClickHouse when it is big or old enough, and only then commits the bus offsets it covered. A failed write is
 * retried with the same batch (same dedup token) until it succeeds: back-pressure, never loss.
 */
import type { Logger } from 'pino';
import type { Consumer, DeliveredMessage } from '../../lib/bus/bus.ts';
import { decodeProfile } from '../../lib/bus/envelope.ts';
import type { Store } from '../../lib/store/store.ts';
import { Batch } from './batch.ts';
import { BatchWriter } from './writer.ts';

export interface AggregatorOptions {
  bucketSeconds: number;
  flushIntervalMs: number;
  flushMaxRows: number;
}

export interface AggregatorStats {
  profiles: number;
  flushes: number;
  deadLetters: number;
  lastFlushMs: number;
}

export class Aggregator {
  private batch: Batch;
  private flushing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly writer: BatchWriter;
  readonly stats: AggregatorStats = { profiles: 0, flushes: 0, deadLetters: 0, lastFlushMs: 0 };

  constructor(
    private readonly store: Store,
    private readonly consumer: Consumer,
    private readonly opts: AggregatorOptions,
    private readonly log: Logger,
  ) {
    this.batch = new Batch(opts.bucketSeconds);
    this.writer = new BatchWriter(store);
  }

  async start(): Promise<void> {
    await this.consumer.start({
      onMessages: (msgs) => this.onMessages(msgs),
      onRevoke: () => this.flush(),
    });
    this.timer = setInterval(() => {
      if (!this.batch.empty && Date.now() - this.batch.createdAt >= this.opts.flushIntervalMs) void this.flush();
    }, Math.max(10, Math.floor(this.opts.flushIntervalMs / 4)));
  }

  private async onMessages(msgs: DeliveredMessage[]): Promise<void> {
    for (const m of msgs) {
      this.batch.track(m.topic, m.partition, m.offset);
      try {
        this.batch.add(decodeProfile(m.value).profile);
      } catch (err) {
        // A message we cannot read must not block its partition: keep it, with the reason, and go on.
        const reason = err instanceof Error ? err.message : String(err);
        this.log.warn({ topic: m.topic, partition: m.partition, offset: m.offset, reason }, 'dead-lettering undecodable bus message');
        this.batch.deadLetter({ topic: m.topic, partition: m.partition, offset: m.offset, reason, payload: Buffer.from(m.value).toString('base64') });
        this.stats.deadLetters++;
      }
    }
    // Back-pressure: a full batch is written before more is taken from the bus.
    if (this.batch.rowCount >= this.opts.flushMaxRows) await this.flush();
  }

  /** Writes the current batch (if any) and commits its offsets; resolves when that is done. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.batch.empty ? undefined : this.flush()));
    if (this.batch.empty) return Promise.resolve();
    const batch = this.batch;
    this.batch = new Batch(this.opts.bucketSeconds);
    this.flushing = this.writeWithRetry(batch).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writeWithRetry(batch: Batch): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.writer.write(batch);
        await this.consumer.commit(batch.commitPoints());
        break;
      } catch (err) {
        if (this.stopped) throw err;
        const delay = Math.min(5000, 100 * 2 ** attempt);
        this.log.error({ err, attempt, delay, rows: batch.rowCount }, 'batch write failed; retrying with the same dedup token');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    this.stats.profiles += batch.profiles;
    this.stats.flushes++;
    this.stats.lastFlushMs = Date.now() - started;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
    this.stopped = true;
    await this.consumer.stop();
  }
}
