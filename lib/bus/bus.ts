/**
 * The bus between gateways and aggregators. Two implementations share this interface: the in-process bus
 * (single node) and Kafka (scale-out). Semantics are Kafka's, so code written against one holds on the other:
 * - messages are keyed; one key always lands on one partition, in order;
 * - `publish` resolves only once the messages are durable on the bus (Kafka: acks=all; in-process: once the
 *   aggregator has inserted them into ClickHouse and committed — the "group commit" of single-node mode);
 * - a consumer receives messages per partition with offsets and commits an offset only after it has processed
 *   everything before it; uncommitted messages are redelivered to the next consumer after a crash.
 */

export interface BusMessage {
  /** Routing key: tenant + series fingerprint, so a series stays on one partition. */
  key: string;
  value: Uint8Array;
}

export interface DeliveredMessage {
  topic: string;
  partition: number;
  /** Offset within the partition (a decimal string, as Kafka's are 64-bit). */
  offset: string;
  key: string;
  value: Uint8Array;
}

/** The next offset to read, per partition: what a consumer commits after processing up to `offset - 1`. */
export interface CommitPoint {
  topic: string;
  partition: number;
  offset: string;
}

export interface Publisher {
  /** Resolves when every message is durable on the bus; rejects (never resolves) when that cannot be promised. */
  publish(messages: BusMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerHandlers {
  /** Called with messages of one partition in offset order. May be slow; the bus waits (back-pressure). */
  onMessages(messages: DeliveredMessage[]): Promise<void>;
  /**
   * Called when partitions are taken away (rebalance, shutdown): the consumer must flush or drop what it holds
   * of them; anything not committed is redelivered elsewhere.
   */
  onRevoke?(partitions: { topic: string; partition: number }[]): Promise<void>;
}

export interface Consumer {
  start(handlers: ConsumerHandlers): Promise<void>;
  /** Commits offsets: everything before each point is processed and durable downstream. */
  commit(points: CommitPoint[]): Promise<void>;
  stop(): Promise<void>;
}

export interface Bus {
  publisher(): Publisher;
  consumer(): Consumer;
  close(): Promise<void>;
}

/** Stable partition for a key (murmur2 as Kafka's default partitioner, so both buses agree). */
export function partitionForKey(key: string, partitions: number): number {
  const data = Buffer.from(key, 'utf8');
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = seed ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  switch (length % 4) {
    case 3:
      h ^= (data[(length & ~3) + 2] & 0xff) << 16;
    // falls through
    case 2:
      h ^= (data[(length & ~3) + 1] & 0xff) << 8;
    // falls through
    case 1:
      h ^= data[length & ~3] & 0xff;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return (h & 0x7fffffff) % partitions;
}
