/**
 * The scale-out bus: Apache Kafka through kafkajs. `KafkaBus.connect` makes sure the topic exists (with the
 * configured partition count and a max.message.bytes that admits the largest message the gateway sends), then
 * hands out publishers (gateways: kafka-producer.ts) and consumers (aggregators: kafka-consumer.ts).
 */
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import pino, { type Logger } from 'pino';
import type { HotpathConfig } from '../config/index.ts';
import type { Bus, Consumer, Publisher } from './bus.ts';
import { KafkaConsumer } from './kafka-consumer.ts';
import { kafkaClientOptions } from './kafka-options.ts';
import { KafkaPublisher } from './kafka-producer.ts';

/** kafkajs log lines go to Hotpath's logger (JSON), warnings and up. */
function logCreator(log: Logger) {
  return () =>
    ({ level, log: entry }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = entry;
      if (level === logLevel.ERROR) log.error(rest, message);
      else if (level === logLevel.WARN) log.warn(rest, message);
    };
}

/** Creates the topic if it is missing; an existing topic is left as the operator configured it. */
export async function ensureTopic(admin: Admin, cfg: HotpathConfig['kafka']): Promise<boolean> {
  const existing = await admin.listTopics();
  if (existing.includes(cfg.topic)) return false;
  return admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: cfg.topic, numPartitions: cfg.partitions, configEntries: [{ name: 'max.message.bytes', value: String(cfg.maxMessageBytes) }] }],
  });
}

export class KafkaBus implements Bus {
  private readonly publishers: KafkaPublisher[] = [];
  private readonly consumers: KafkaConsumer[] = [];

  private constructor(
    private readonly kafka: Kafka,
    private readonly config: HotpathConfig,
    private readonly log: Logger,
  ) {}

  static async connect(config: HotpathConfig, parentLog?: Logger): Promise<KafkaBus> {
    const log = (parentLog ?? pino({ level: config.logLevel })).child({ service: 'kafka' });
    const kafka = new Kafka({ ...kafkaClientOptions(config.kafka), logLevel: logLevel.WARN, logCreator: logCreator(log) });
    const admin = kafka.admin();
    await admin.connect();
    try {
      if (await ensureTopic(admin, config.kafka)) log.info({ topic: config.kafka.topic, partitions: config.kafka.partitions }, 'created Kafka topic');
    } finally {
      await admin.disconnect();
    }
    return new KafkaBus(kafka, config, log);
  }

  publisher(): Publisher {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // A few quick retries inside the gateway's timeout; beyond it the client gets a 503 and retries itself.
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const connected = producer.connect();
    const pub = new KafkaPublisher(
      producer,
      { topic: this.config.kafka.topic, timeoutMs: this.config.publishTimeoutMs, lingerMs: this.config.kafka.lingerMs, maxMessageBytes: this.config.kafka.maxMessageBytes },
      this.log,
    );
    connected.catch((err: Error) => this.log.error({ err: err.message }, 'Kafka producer could not connect; publishes answer 503 until it does'));
    this.publishers.push(pub);
    return pub;
  }

  consumer(): Consumer {
    const c = new KafkaConsumer(
      this.kafka,
      { topic: this.config.kafka.topic, groupId: this.config.kafka.groupId, sessionTimeoutMs: this.config.kafka.sessionTimeoutMs, maxMessageBytes: this.config.kafka.maxMessageBytes },
      this.log,
    );
    this.consumers.push(c);
    return c;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.publishers.map((p) => p.close()), ...this.consumers.map((c) => c.stop())]);
  }
}
