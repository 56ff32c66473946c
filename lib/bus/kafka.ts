/**
 * The scale-out bus: Apache Kafka through kafkajs. `KafkaBus.connect` makes sure the topic exists (with the
 * configured partition count and a max.message.bytes that admits the largest message the gateway sends), then
 * hands out publishers (gateways: kafka-producer.ts) and consumers (aggregators: kafka-consumer.ts).
 */
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
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
  /** The gateway's producer, connected before the process reports itself started (see connect()). */
  private producer?: Producer;
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
    const bus = new KafkaBus(kafka, config, log);
    if (config.roles.includes('ingest')) {
      // A gateway connects its producer (and gets its producer id) before it serves: the first publishes would
      // otherwise spend their timeout on the handshake.
      bus.producer = bus.newProducer();
      await bus.producer.connect();
    }
    return bus;
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // An idempotent producer must not give up on a batch (its sequence numbers would have a gap the broker
      // refuses afterwards): kafkajs retries until the broker answers, and the gateway's own timeout answers the
      // client 503 meanwhile. Backoff is capped at 1 s so a returning broker is used at once.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  publisher(): Publisher {
    const ready = this.producer;
    this.producer = undefined;
    const producer = ready ?? this.newProducer();
    const connected = ready ? Promise.resolve() : producer.connect();
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
