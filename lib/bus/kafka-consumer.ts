/**
 * The aggregator side of the Kafka bus: one member of a consumer group (`groupId`), handed each partition's
 * messages in offset order. Offsets are committed only through `commit`, which the aggregator calls after the
 * ClickHouse insert of everything before them succeeded — never automatically.
 *
 * - Heartbeats: kafkajs heartbeats only between fetches or when asked, so while `onMessages` runs (it may flush a
 *   batch to ClickHouse, which can take long) this consumer calls `heartbeat()` every `heartbeatInterval`; a slow
 *   insert therefore never looks like a dead consumer and never triggers a rebalance.
 * - maxBytesPerPartition is the largest message the gateway may send (`maxMessageBytes`), so no message is ever
 *   too big to be fetched and a partition cannot stall on it.
 * - Revocation: whenever the group rebalances (or the consumer restarts after a crash), kafkajs resumes each
 *   partition it is given from the committed offset. The aggregator is therefore told that every partition it
 *   held is revoked (`onRevoke`), eager-rebalance style, and writes what it holds before it sees redelivery.
 * - A commit refused because the group moved on (rebalance, unknown member, stale generation) is not an error for
 *   the aggregator: its rows are written and its flush plan is recorded, so whichever member now owns the
 *   partition re-forms the same ranges and its repeat insert is dropped by the dedup token.
 */
import type { Consumer as KafkaJsConsumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { CommitPoint, Consumer, ConsumerHandlers, DeliveredMessage } from './bus.ts';

export interface KafkaConsumerOptions {
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
  maxMessageBytes: number;
}

const STALE_MEMBER_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP', 'NOT_COORDINATOR']);

function isStaleMember(err: unknown): boolean {
  const e = err as { type?: string; name?: string };
  return (e?.type !== undefined && STALE_MEMBER_ERRORS.has(e.type)) || e?.name === 'KafkaJSNotImplemented';
}

export class KafkaConsumer implements Consumer {
  private consumer?: KafkaJsConsumer;
  private handlers?: ConsumerHandlers;
  /** Partitions this member was last assigned ("topic\0partition"). */
  private assigned = new Map<string, { topic: string; partition: number }>();
  private readonly heartbeatIntervalMs: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: KafkaConsumerOptions,
    private readonly log: Logger,
  ) {
    // Kafka's guidance: heartbeat at no more than a third of the session timeout.
    this.heartbeatIntervalMs = Math.max(500, Math.floor(opts.sessionTimeoutMs / 6));
  }

  async start(handlers: ConsumerHandlers): Promise<void> {
    if (this.consumer) throw new Error('kafka consumer: already started');
    this.handlers = handlers;
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxBytesPerPartition: this.opts.maxMessageBytes,
      maxBytes: Math.max(this.opts.maxMessageBytes, 10 * 1024 * 1024),
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const { REBALANCING, GROUP_JOIN, CRASH } = consumer.events;
    consumer.on(REBALANCING, () => this.revokeAll('rebalance'));
    consumer.on(CRASH, (e) => {
      this.log.error({ err: e.payload.error?.message, restart: e.payload.restart }, 'Kafka consumer crashed');
      this.revokeAll('consumer crash');
    });
    consumer.on(GROUP_JOIN, (e) => {
      // Anything held from before the join is redelivered from the committed offsets: revoke it first.
      this.revokeAll('group join');
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
        for (const partition of partitions) this.assigned.set(`${topic}\u0000${partition}`, { topic, partition });
      }
      this.log.info({ assignment: e.payload.memberAssignment, generation: e.payload.groupId }, 'joined the consumer group');
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.opts.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private revokeAll(why: string): void {
    if (this.assigned.size === 0 || !this.handlers?.onRevoke) return;
    const partitions = [...this.assigned.values()];
    this.assigned = new Map();
    this.log.info({ why, partitions: partitions.map((p) => p.partition) }, 'partitions revoked');
    this.handlers.onRevoke(partitions).catch((err: unknown) => this.log.error({ err }, 'flush on revoke failed'));
  }

  private async eachBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!this.handlers || !isRunning() || isStale() || batch.messages.length === 0) return;
    const messages: DeliveredMessage[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key ? m.key.toString('utf8') : '',
      value: m.value ?? new Uint8Array(0),
    }));
    const beat = setInterval(() => {
      heartbeat().catch((err: unknown) => {
        // A rebalance announced through the heartbeat is handled by kafkajs once this batch returns.
        if (!isStaleMember(err)) this.log.warn({ err }, 'heartbeat failed');
      });
    }, this.heartbeatIntervalMs);
    try {
      await this.handlers.onMessages(messages);
    } finally {
      clearInterval(beat);
    }
  }

  async commit(points: CommitPoint[]): Promise<void> {
    if (!this.consumer || points.length === 0) return;
    try {
      await this.consumer.commitOffsets(points.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
    } catch (err) {
      if (!isStaleMember(err)) throw err;
      this.log.warn({ err: (err as Error).message, points }, 'commit refused by a rebalance; the new owner re-forms the recorded flush plan');
    }
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.handlers = undefined;
    await consumer.disconnect();
  }
}
