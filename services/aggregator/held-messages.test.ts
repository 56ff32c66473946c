/**
 * Profiles with an ingest id wait for their batch's ingest-id lookup as bus bytes (batch.ts), and are decoded only
 * then. A message that passes the delivery-time peek but cannot be decoded (a stack pointing past the frame table)
 * is dead-lettered at that point; its ingest id is neither recorded as stored nor kept in memory, so a corrected
 * resend under the same id is counted. Retries of stored ids still add nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { encodeProfile } from '../../lib/bus/envelope.ts';
import { InProcessBus } from '../../lib/bus/in-process.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { seriesFingerprint, stackId } from '../../lib/profile/hash.ts';
import type { NormalizedProfile } from '../../lib/profile/model.ts';
import { Store } from '../../lib/store/store.ts';
import { Aggregator } from './aggregator.ts';

const TYPE = { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' };

function profile(value: number): NormalizedProfile {
  const labels = { service_name: 'held', __name__: TYPE.name };
  const frames = ['main', 'work'];
  return { tenant: 'held', type: TYPE, labels, fingerprint: seriesFingerprint(TYPE.id, labels), timeMs: Date.now() - 60_000, durationNanos: 0, stacks: [{ id: stackId(frames), frames, value }] };
}

/** `profile(value)` encoded with its stack's first frame index set to 9 (the table has 2 names): peek passes, decode fails. */
function badStack(value: number, ingestId: string): Uint8Array {
  const bytes = Buffer.from(encodeProfile(profile(value), { ingestId }));
  // The packed frames field of the stack: tag 0x12, length 2, indices 0 and 1.
  const at = bytes.indexOf(Buffer.from([0x12, 0x02, 0x00, 0x01]));
  assert.ok(at > 0, 'packed frame indices found');
  bytes[at + 2] = 9;
  return bytes;
}

describe('held messages (ingest ids) are decoded at the batch lookup', () => {
  let store: Store;
  let bus: InProcessBus;
  let aggregator: Aggregator;
  before(async () => {
    store = await Store.open(loadConfig({ HOTPATH_DATA_DIR: mkdtempSync(join(tmpdir(), 'hotpath-held-')) }));
    bus = new InProcessBus();
    aggregator = new Aggregator(store, bus.consumer(), { bucketSeconds: 10, flushIntervalMs: 100, flushMaxRows: 100_000 }, pino({ level: 'silent' }));
    await aggregator.start();
  });
  after(async () => {
    await aggregator.stop();
    await bus.close();
    await store.close();
  });

  const total = async () => Number((await store.select<{ v: string }>(`SELECT toString(sum(value)) AS v FROM samples_raw WHERE tenant = 'held'`))[0]!.v);
  const ids = async () => (await store.select<{ ingest_id: string }>(`SELECT ingest_id FROM ingest_ids WHERE tenant = 'held' ORDER BY ingest_id`)).map((r) => r.ingest_id);
  const dead = async () => store.select<{ reason: string }>(`SELECT reason FROM dead_letters ORDER BY offset`);

  it('stores the good ones, dead-letters the undecodable one without recording its id, and takes its corrected resend', async () => {
    const pub = bus.publisher();
    await pub.publish([
      { key: 'k', value: encodeProfile(profile(1), { ingestId: 'good.0' }) },
      { key: 'k', value: badStack(10, 'bad.0') },
      { key: 'k', value: encodeProfile(profile(100)) },
    ]);
    assert.equal(await total(), 101);
    assert.deepEqual(await ids(), ['good.0']);
    const d = await dead();
    assert.equal(d.length, 1);
    assert.equal(d[0]!.reason, 'undecodable bus message: stack 0 frame 0 refers to frame name 9, but the table has 2');

    // The same id, now decodable: counted (the failed one was not taken). A retry of a stored id adds nothing.
    await pub.publish([
      { key: 'k', value: encodeProfile(profile(1000), { ingestId: 'bad.0' }) },
      { key: 'k', value: encodeProfile(profile(1), { ingestId: 'good.0' }) },
    ]);
    assert.equal(await total(), 1101);
    assert.deepEqual(await ids(), ['bad.0', 'good.0']);
  });
});
