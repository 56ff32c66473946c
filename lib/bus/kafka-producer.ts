/**
 * The gateway side of the Kafka bus. `publish` resolves only when the broker has acknowledged every message
 * with acks=all (-1) from an idempotent producer, so a 200 from the gateway means the profile is on the
 * replicated log; a broker that is down or slow turns into HotpathError `unavailable` (503 + Retry-After) after
 * `timeoutMs`, never into a 200.
 *
 * Publishes arriving within `lingerMs` of each other go out as one produce request (kafkajs has no linger of its
 * own), gzip-compressed. Messages are keyed by tenant + series fingerprint; kafkajs' default partitioner is
 * Kafka's murmur2, the same as `partitionForKey`, so one series always lands on one partition.
 */
import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { HotpathError } from '../errors.ts';
import type { BusMessage, Publisher } from './bus.ts';

export interface KafkaPublisherOptions {
  topic: string;
  timeoutMs: number;
  lingerMs: number;
  maxMessageBytes: number;
}

interface Waiting {
  messages: Message[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class KafkaPublisher implements Publisher {
  private pending: Waiting[] = [];
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly producer: Producer,
    private readonly opts: KafkaPublisherOptions,
    private readonly log: Logger,
  ) {}

  publish(messages: BusMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new HotpathError('unavailable', 'the gateway is shutting down; retry', { retryAfter: 1 }));
    if (messages.length === 0) return Promise.resolve();
    for (const m of messages) {
      // Refused here, not by the broker: a message above the topic's max.message.bytes would fail every retry.
      if (m.value.byteLength > this.opts.maxMessageBytes) {
        return Promise.reject(
          new HotpathError('too_large', `normalized profile is ${m.value.byteLength} bytes; the bus accepts at most ${this.opts.maxMessageBytes}`, { reason: 'bus_message_too_large' }),
        );
      }
    }
    const acked = new Promise<void>((resolve, reject) => {
      this.pending.push({ messages: messages.map((m) => ({ key: m.key, value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength) })), resolve, reject });
    });
    this.timer ??= setTimeout(() => this.send(), this.opts.lingerMs);
    let deadline: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(
        () => reject(new HotpathError('unavailable', `Kafka did not acknowledge the profile within ${this.opts.timeoutMs} ms; retry`, { retryAfter: 1 })),
        this.opts.timeoutMs,
      );
    });
    // A publish that timed out may still be acknowledged later: the client was told 503 and retries, and the
    // aggregator's ingest-id dedupe counts the retry once.
    acked.catch(() => {});
    return Promise.race([acked, timeout]).finally(() => clearTimeout(deadline));
  }

  private send(): void {
    this.timer = undefined;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const sent = this.producer
      .send({ topic: this.opts.topic, acks: -1, compression: CompressionTypes.GZIP, messages: group.flatMap((w) => w.messages) })
      .then(
        () => group.forEach((w) => w.resolve()),
        (err: Error) => {
          this.log.warn({ err: err.message, messages: group.length }, 'Kafka refused a produce request');
          const he = new HotpathError('unavailable', `Kafka did not acknowledge the profile: ${err.message}; retry`, { retryAfter: 1 });
          group.forEach((w) => w.reject(he));
        },
      )
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.send();
    // Requests already sent get their answer before the connection goes (their clients are still waiting).
    await Promise.allSettled([...this.inFlight]);
    await this.producer.disconnect();
  }
}
