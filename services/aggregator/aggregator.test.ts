/**
 * The aggregator's exactly-once handover on a Kafka-style bus, against the real embedded store with a scripted
 * consumer in place of kafkajs (the e2e test, test/e2e-kafka.test.ts, runs the real broker).
 *
 * The case: the broker goes down while a member holds partition 0. Its first batch is inserted but the offset
 * commit fails (broker unreachable); a second batch closes meanwhile; then the partition is revoked and handed to
 * another member, which reads the recorded flush plans and re-forms them. Every batch the first member closed must
 * have its plan recorded by then — a failing commit must not hold back the plans (nor the inserts) of the batches
 * behind it — or the two members insert the same messages under different tokens and they are counted twice.
 * The messages carry no ingest id, so only the flush plans stand between the handover and a double count.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { CommitPoint, Consumer, ConsumerHandlers, DeliveredMessage } from '../../lib/bus/bus.ts';
import { encodeProfile } from '../../lib/bus/envelope.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { seriesFingerprint, stackId } from '../../lib/profile/hash.ts';
import type { NormalizedProfile } from '../../lib/profile/model.ts';
import { Store } from '../../lib/store/store.ts';
import { until } from '../../test/helpers/until.ts';
import { Aggregator } from './aggregator.ts';
import { FlushPlans } from './flush-plans.ts';

const TOPIC = 'unit.handover';
const TYPE = { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' };

function profile(value: number): NormalizedProfile {
  const labels = { service_name: 'handover', __name__: TYPE.name };
  const frames = ['main', 'work'];
  return {
    tenant: 'unit',
    type: TYPE,
    labels,
    fingerprint: seriesFingerprint(TYPE.id, labels),
    timeMs: Date.now() - 60_000,
    durationNanos: 0,
    stacks: [{ id: stackId(frames), frames, value }],
  };
}

/** Message at `offset` of partition 0, worth 10^offset (so any repeat or loss shows in the sum's digits). */
function message(offset: number): DeliveredMessage {
  return { topic: TOPIC, partition: 0, offset: String(offset), key: 'k', value: encodeProfile(profile(10 ** offset)) };
}

/** A consumer driven by the test: it delivers what the test hands it; its commits fail while `down` is true. */
class ScriptedConsumer implements Consumer {
  handlers?: ConsumerHandlers;
  down = false;
  committed: CommitPoint[] = [];
  async start(h: ConsumerHandlers): Promise<void> {
    this.handlers = h;
  }
  async commit(points: CommitPoint[]): Promise<void> {
    if (this.down) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    this.committed.push(...points);
  }
  async stop(): Promise<void> {}
  deliver(offsets: number[]): Promise<void> {
    return this.handlers!.onMessages(offsets.map(message));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('aggregator handover while the broker is down', () => {
  let store: Store;
  const log = pino({ level: 'silent' });
  const opts = { bucketSeconds: 10, flushIntervalMs: 100, flushMaxRows: 100_000, kafka: { brokers: ['unit:9092'] } };

  before(async () => {
    store = await Store.open(loadConfig({ HOTPATH_DATA_DIR: mkdtempSync(join(tmpdir(), 'hotpath-agg-')) }));
  });
  after(async () => {
    await store.close();
  });

  const total = async () =>
    BigInt((await store.select<{ v: string }>(`SELECT toString(sum(value)) AS v FROM samples_raw WHERE tenant = 'unit'`))[0].v);
  const plans = async () => (await new FlushPlans(store).pending(TOPIC, 0, 0n)).map((p) => `${p.first}-${p.last}`);

  it('records the plans of every closed batch despite a failing commit, so the next owner counts each message once', async () => {
    const oldBus = new ScriptedConsumer();
    const oldOwner = new Aggregator(store, oldBus, opts, log);
    await oldOwner.start();

    // The broker goes down: the first batch is inserted, but its commit fails and is retried.
    oldBus.down = true;
    await oldBus.deliver([0, 1]);
    await until('the first batch is inserted', async () => (await total()) === 11n);
    await oldBus.deliver([2, 3]);
    await sleep(300); // the second batch closes by age while the first one's commit keeps failing
    // A rebalance takes the partition away; the old owner hands over what it holds.
    void oldBus.handlers!.onRevoke!([{ topic: TOPIC, partition: 0 }]);
    await until('both batches have recorded plans', async () => (await plans()).length === 2);
    assert.deepEqual(await plans(), ['0-1', '2-3']);

    // The next owner starts from the last committed offset (none: 0) and re-forms the recorded ranges.
    const newBus = new ScriptedConsumer();
    const newOwner = new Aggregator(store, newBus, opts, log);
    await newOwner.start();
    await newBus.deliver([0, 1, 2, 3, 4]);
    await newOwner.flush();
    // The broker comes back: the old owner's held-back work completes now.
    oldBus.down = false;
    await oldOwner.stop();
    await newOwner.stop();

    assert.equal(await total(), 11111n, 'each of the five messages counted exactly once');
    assert.deepEqual(await plans(), ['0-1', '2-3', '4-4']);
    assert.deepEqual(newBus.committed.map((c) => c.offset), ['2', '4', '5']);
  });
});
