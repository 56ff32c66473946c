import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../../lib/errors.ts';
import { ingestRequestId, profileIngestIds, pushSampleId, RecentIngests } from './retry-dedupe.ts';

test('ingest request id: equal for a byte-identical retry, different when anything stored differs', () => {
  const base = { tenant: 't', query: { name: 'app.cpu', from: '1700000000', until: '1700000010', format: 'folded' }, raw: Buffer.from('a;b 1') };
  const id = ingestRequestId(base);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(ingestRequestId({ ...base, query: { ...base.query } }), id);
  assert.notEqual(ingestRequestId({ ...base, tenant: 'u' }), id);
  assert.notEqual(ingestRequestId({ ...base, query: { ...base.query, until: '1700000011' } }), id);
  assert.notEqual(ingestRequestId({ ...base, raw: Buffer.from('a;b 2') }), id);
  // Multipart: the same parts in any order are the same request; the content of each part counts.
  const parts = (p: string) => new Map<string, Uint8Array>([['sample_type_config', Buffer.from('{}')], ['profile', Buffer.from(p)]]);
  const m = ingestRequestId({ tenant: 't', query: { name: 'x' }, parts: parts('P') });
  assert.equal(ingestRequestId({ tenant: 't', query: { name: 'x' }, parts: new Map([...parts('P')].reverse()) }), m);
  assert.notEqual(ingestRequestId({ tenant: 't', query: { name: 'x' }, parts: parts('Q') }), m);
  assert.deepEqual(profileIngestIds('abc', 3), ['abc.0', 'abc.1', 'abc.2']);
});

test('push sample id: labels order-insensitive; ID and bytes both count', () => {
  const raw = Buffer.from([1, 2, 3]);
  const a = pushSampleId('t', { __name__: 'process_cpu', service_name: 's' }, 'u-1', raw);
  assert.equal(pushSampleId('t', { service_name: 's', __name__: 'process_cpu' }, 'u-1', raw), a);
  assert.notEqual(pushSampleId('t', { __name__: 'process_cpu', service_name: 's' }, 'u-2', raw), a);
  assert.notEqual(pushSampleId('t', { __name__: 'process_cpu', service_name: 's' }, 'u-1', Buffer.from([1, 2, 4])), a);
});

test('gateway window: a repeat inside the window does not publish; after it, it does', async () => {
  let now = 1_000;
  const recent = new RecentIngests(60_000, 10, () => now);
  let published = 0;
  const publish = async () => {
    published++;
  };
  assert.equal(await recent.run('r1', publish), true);
  assert.equal(await recent.run('r1', publish), false);
  assert.equal(published, 1);
  now += 60_000;
  assert.equal(await recent.run('r1', publish), true);
  assert.equal(published, 2);
});

test('gateway window: a duplicate of an in-flight request waits; it publishes only if the first failed', async () => {
  const recent = new RecentIngests();
  let release!: () => void;
  let published = 0;
  const first = recent.run('r', () => new Promise<void>((r) => (release = () => (published++, r()))));
  const second = recent.run('r', async () => {
    published++;
  });
  release();
  assert.deepEqual(await Promise.all([first, second]), [true, false]);
  assert.equal(published, 1);

  let fail!: (e: Error) => void;
  const a = recent.run('f', () => new Promise<void>((_, rej) => (fail = rej)));
  const b = recent.run('f', async () => {});
  fail(new HotpathError('unavailable', 'bus down'));
  await assert.rejects(a, /bus down/);
  assert.equal(await b, true);
});

test('gateway window: bounded; the oldest ids go first', async () => {
  const recent = new RecentIngests(60_000, 2);
  let published = 0;
  const publish = async () => {
    published++;
  };
  for (const id of ['a', 'b', 'c']) await recent.run(id, publish);
  assert.equal(await recent.run('a', publish), true);
  assert.equal(await recent.run('c', publish), false);
  assert.equal(published, 4);
});
