/**
 * The test Kafka broker (deploy/kafka) is a real Kafka: a keyed, idempotent, acks=all producer and a consumer
 * group see exactly what was written, and the data (and committed group offsets) survive a broker restart on the
 * same data dir. Under CI=true this always runs; elsewhere it skips only when java is missing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { javaAvailable, startKafka } from './broker.ts';

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const skip =
  !inCi && !javaAvailable() ? 'java is not installed (JAVA_HOME or PATH), so no Kafka broker can run here; under CI=true this test runs and fails instead' : false;

const TOPIC = 'hotpath.kafka-selftest';
const COUNT = 100;
const KEYS = 10;

interface Received {
  key: string;
  value: string;
  partition: number;
}

/** Consumes `topic` from the beginning in a new group until `expected` messages arrived (or the timeout). */
async function consumeFromStart(kafka: Kafka, groupId: string, expected: number, timeoutMs: number): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const got: Received[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`group ${groupId} consumed ${got.length} of ${expected} messages within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            got.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
            if (got.length >= expected) {
              clearTimeout(timer);
              done();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          fail(err);
        });
    });
  } finally {
    // Disconnecting commits the offsets of what was consumed.
    await consumer.disconnect();
  }
  return got;
}

async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Messages in the topic's log: the sum of the partitions' high watermarks (nothing is ever deleted here). */
async function logSize(kafka: Kafka): Promise<number> {
  const offsets = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(TOPIC));
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

async function committed(kafka: Kafka, groupId: string): Promise<number> {
  const [topic] = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics: [TOPIC] }));
  return topic.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

function assertExactly(got: Received[], label: string): void {
  const expected = Array.from({ length: COUNT }, (_, i) => `payload-${i}`);
  assert.equal(got.length, COUNT, `${label}: message count`);
  assert.deepEqual(got.map((m) => m.value).sort(), expected.sort(), `${label}: exactly the ${COUNT} payloads, each once`);
  for (const m of got) assert.equal(m.key, `key-${Number(m.value.slice('payload-'.length)) % KEYS}`, `${label}: key of ${m.value}`);
  // Keyed messages: one partition per key, and the keys spread over more than one partition.
  const partitionOfKey = new Map<string, Set<number>>();
  for (const m of got) partitionOfKey.set(m.key, (partitionOfKey.get(m.key) ?? new Set()).add(m.partition));
  for (const [key, parts] of partitionOfKey) assert.equal(parts.size, 1, `${label}: ${key} landed on partitions ${[...parts].join(',')}`);
  assert.ok(new Set(got.map((m) => m.partition)).size > 1, `${label}: all keys hashed to one partition`);
}

test('deploy/kafka runs a real broker: idempotent keyed produce, group consume, data survives a restart', { skip, timeout: 20 * 60_000 }, async (t) => {
  let t0 = Date.now();
  const broker = await startKafka();
  t.after(() => broker.destroy());
  t.diagnostic(`broker ${broker.brokers[0]} ready in ${Date.now() - t0} ms (data ${broker.dataDir})`);
  const kafka = new Kafka({ clientId: 'hotpath-kafka-selftest', brokers: broker.brokers, logLevel: logLevel.NOTHING });

  const created = await withAdmin(kafka, (admin) =>
    admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 4, replicationFactor: 1 }] }),
  );
  assert.equal(created, true, 'topic created');
  const meta = await withAdmin(kafka, (admin) => admin.fetchTopicMetadata({ topics: [TOPIC] }));
  assert.equal(meta.topics[0].partitions.length, 4, 'partitions');

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    // Four requests of 25, so the idempotent producer's sequence numbers advance across requests.
    for (let batch = 0; batch < 4; batch++) {
      const messages = Array.from({ length: 25 }, (_, j) => {
        const i = batch * 25 + j;
        return { key: `key-${i % KEYS}`, value: `payload-${i}` };
      });
      const acks = await producer.send({ topic: TOPIC, acks: -1, messages });
      assert.ok(acks.every((r) => r.errorCode === 0), 'produce acknowledged without error');
    }
  } finally {
    await producer.disconnect();
  }
  assert.equal(await logSize(kafka), COUNT, 'the log holds exactly the messages sent');

  t0 = Date.now();
  assertExactly(await consumeFromStart(kafka, 'selftest-before-restart', COUNT, 60_000), 'before restart');
  assert.equal(await committed(kafka, 'selftest-before-restart'), COUNT, 'group offsets committed');
  t.diagnostic(`consumed ${COUNT} in ${Date.now() - t0} ms`);

  t0 = Date.now();
  await broker.restart();
  t.diagnostic(`broker restarted (stop + start + ready) in ${Date.now() - t0} ms`);

  assert.equal(await logSize(kafka), COUNT, 'after restart the log still holds exactly the messages sent');
  assert.equal(await committed(kafka, 'selftest-before-restart'), COUNT, 'after restart the group offsets are still committed');
  assertExactly(await consumeFromStart(kafka, 'selftest-after-restart', COUNT, 60_000), 'after restart');
});
