/**
 * Group commit on the in-process bus (Aggregator.cutsNow): a batch is cut when no write runs, or, while one runs,
 * once it holds `flushEarlyProfiles` profiles; that batch is settled at once (its ingest-id lookup runs beside the
 * running write) and written after it; no second batch is cut while one already waits. The store is a fake whose
 * samples insert can be held, so "while a write runs" is a state the test controls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { encodeProfile } from '../../lib/bus/envelope.ts';
import { InProcessBus } from '../../lib/bus/in-process.ts';
import { seriesFingerprint, stackId } from '../../lib/profile/hash.ts';
import type { NormalizedProfile } from '../../lib/profile/model.ts';
import type { Store } from '../../lib/store/store.ts';
import { until } from '../../test/helpers/until.ts';
import { Aggregator } from './aggregator.ts';

const TYPE = { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' };

function message(ingestId: string): { key: string; value: Uint8Array } {
  const labels = { service_name: 'gc', __name__: TYPE.name };
  const frames = ['main', 'work'];
  const p: NormalizedProfile = { tenant: 'gc', type: TYPE, labels, fingerprint: seriesFingerprint(TYPE.id, labels), timeMs: Date.now(), durationNanos: 0, stacks: [{ id: stackId(frames), frames, value: 1 }] };
  return { key: 'k', value: encodeProfile(p, { ingestId }) };
}

/** What the aggregator asks of a store here: ingest-id lookups (not the sole writer) and inserts. */
class FakeStore {
  readonly embedded = false;
  /** The ids of each ingest-id lookup, in order (other reads, such as the partition's flush plans, find nothing). */
  readonly lookups: string[][] = [];
  /** Rows of each ingest_ids insert (one per profile), in order. */
  readonly idInserts: number[] = [];
  samplesStarted = 0;
  /** While set, a samples insert waits for it. */
  hold?: Promise<void>;

  async select(query: string, params: { ids?: string[] } = {}): Promise<never[]> {
    if (/FROM ingest_ids/.test(query)) this.lookups.push([...(params.ids ?? [])].sort());
    return [];
  }

  async insertRows(table: string, rows: { length: number }): Promise<void> {
    if (table === 'samples_raw') {
      this.samplesStarted++;
      await this.hold;
    }
    if (table === 'ingest_ids') this.idInserts.push(rows.length);
  }
}

describe('group commit on the in-process bus', () => {
  const store = new FakeStore();
  const bus = new InProcessBus();
  const aggregator = new Aggregator(store as unknown as Store, bus.consumer(), { bucketSeconds: 10, flushIntervalMs: 60_000, flushMaxRows: 100_000, flushEarlyProfiles: 3, kafka: { brokers: [] } }, pino({ level: 'silent' }));
  before(() => aggregator.start());
  after(async () => {
    await aggregator.stop();
    await bus.close();
  });

  it('cuts a batch at flushEarlyProfiles while a write runs, settles it beside that write, and cuts no second one', async () => {
    const pub = bus.publisher();
    let release!: () => void;
    store.hold = new Promise((r) => (release = r));

    // Batch 1: cut at once (no write running); its samples insert is held.
    const first = pub.publish([message('a.0')]);
    await until('the first samples insert', () => store.samplesStarted === 1);
    assert.deepEqual(store.lookups, [['a.0']]);

    // Batch 2 reaches 3 profiles while batch 1 is written: cut, and its lookup runs now, before batch 1 ends.
    const second = ['b.0', 'c.0', 'd.0'].map((id) => pub.publish([message(id)]));
    await until('the second lookup', () => store.lookups.length === 2);
    assert.deepEqual(store.lookups[1], ['b.0', 'c.0', 'd.0']);
    assert.equal(store.samplesStarted, 1, 'batch 2 waits for batch 1');

    // Batch 3 would be the second batch waiting: it stays open while batch 1 is held.
    const third = pub.publish([message('e.0')]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(store.lookups.length, 2);

    release();
    await Promise.all([first, ...second, third]);
    // Written in order: 1, 3 and 1 profiles; batch 3 was cut when no write ran any more.
    assert.deepEqual(store.idInserts, [1, 3, 1]);
    assert.deepEqual(store.lookups, [['a.0'], ['b.0', 'c.0', 'd.0'], ['e.0']]);
    assert.equal(store.samplesStarted, 3);
  });
});
