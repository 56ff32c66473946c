import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HotpathError } from '../errors.ts';
import { partitionForKey, type DeliveredMessage } from './bus.ts';
import { InProcessBus } from './in-process.ts';

const msg = (key: string) => ({ key, value: Uint8Array.of(1, 2, 3) });

/** A bus with a consumer that records what it is handed; `commitThrough(p, o)` commits partition p up to offset o. */
async function busWithConsumer(opts: ConstructorParameters<typeof InProcessBus>[0] = {}) {
  const bus = new InProcessBus(opts);
  const delivered: DeliveredMessage[] = [];
  const consumer = bus.consumer();
  await consumer.start({ onMessages: async (m) => void delivered.push(...m) });
  const commitThrough = (partition: number, offset: number) => consumer.commit([{ topic: bus.topic, partition, offset: String(offset + 1) }]);
  return { bus, delivered, commitThrough, publisher: bus.publisher() };
}

/** The state of a publish promise, readable synchronously after a turn. */
function track(p: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const t: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => (t.state = 'resolved'),
    (error) => Object.assign(t, { state: 'rejected', error }),
  );
  return t;
}

const turn = () => new Promise((r) => setImmediate(r));

describe('in-process bus: a publish resolves once all its messages are committed', () => {
  it('waits for the commit of its last message, not its first', async () => {
    const { bus, delivered, commitThrough, publisher } = await busWithConsumer();
    const first = track(publisher.publish([msg('a'), msg('b')]));
    const second = track(publisher.publish([msg('c')]));
    await turn();
    assert.deepEqual(
      delivered.map((m) => [m.partition, m.offset, m.key]),
      [
        [0, '0', 'a'],
        [0, '1', 'b'],
        [0, '2', 'c'],
      ],
    );
    await commitThrough(0, 0);
    await turn();
    assert.equal(first.state, 'pending');
    await commitThrough(0, 1);
    await turn();
    assert.equal(first.state, 'resolved');
    assert.equal(second.state, 'pending');
    await commitThrough(0, 2);
    await turn();
    assert.equal(second.state, 'resolved');
    await bus.close();
  });

  it('spans partitions: resolves when every partition it wrote to has committed its message', async () => {
    const { bus, delivered, commitThrough, publisher } = await busWithConsumer({ partitions: 4 });
    const a = 'key-0';
    let b = 'key-1';
    for (let i = 2; partitionForKey(b, 4) === partitionForKey(a, 4); i++) b = `key-${i}`;
    const t = track(publisher.publish([msg(a), msg(b)]));
    await turn();
    const [pa, pb] = [partitionForKey(a, 4), partitionForKey(b, 4)];
    assert.deepEqual(new Set(delivered.map((m) => `${m.partition}/${m.offset}`)), new Set([`${pa}/0`, `${pb}/0`]));
    await commitThrough(pa, 0);
    await turn();
    assert.equal(t.state, 'pending', 'one partition committed, the other not');
    await commitThrough(pb, 0);
    await turn();
    assert.equal(t.state, 'resolved');
    await bus.close();
  });

  it('an empty publish resolves at once', async () => {
    const { bus, publisher } = await busWithConsumer();
    const t = track(publisher.publish([]));
    await turn();
    assert.equal(t.state, 'resolved');
    await bus.close();
  });
});

describe('in-process bus: failures', () => {
  it('a publish not committed within the timeout fails with 503 unavailable; a later commit changes nothing', async () => {
    const { bus, commitThrough, publisher } = await busWithConsumer({ publishTimeoutMs: 60 });
    const late = track(publisher.publish([msg('a')]));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(late.state, 'rejected');
    assert.ok(late.error instanceof HotpathError);
    assert.equal(late.error.status, 503);
    assert.equal(late.error.code, 'unavailable');
    assert.equal(late.error.message, 'profile not stored within 60 ms; retry');
    assert.equal(late.error.retryAfter, 1);
    await commitThrough(0, 0);
    // The bus still works: the next publish resolves on its commit.
    const next = track(publisher.publish([msg('b')]));
    await turn();
    await commitThrough(0, 1);
    await turn();
    assert.equal(next.state, 'resolved');
    assert.equal(late.state, 'rejected');
    await bus.close();
  });

  it('refuses a publish past maxQueued uncommitted messages (503), and takes it again once commits free room', async () => {
    const { bus, commitThrough, publisher } = await busWithConsumer({ maxQueued: 2 });
    const held = track(publisher.publish([msg('a'), msg('b')]));
    await assert.rejects(publisher.publish([msg('c')]), (e: unknown) => e instanceof HotpathError && e.status === 503 && e.message === 'the aggregator is behind; retry shortly');
    await turn();
    await commitThrough(0, 1);
    await turn();
    assert.equal(held.state, 'resolved');
    const again = track(publisher.publish([msg('c')]));
    await turn();
    await commitThrough(0, 2);
    await turn();
    assert.equal(again.state, 'resolved');
    await bus.close();
  });

  it('closing fails the publishes still waiting, and refuses new ones (503)', async () => {
    const { bus, publisher } = await busWithConsumer();
    const waiting = track(publisher.publish([msg('a'), msg('b')]));
    await turn();
    await bus.close();
    await turn();
    assert.equal(waiting.state, 'rejected');
    assert.ok(waiting.error instanceof HotpathError && waiting.error.status === 503 && waiting.error.message === 'the bus is shutting down');
    await assert.rejects(publisher.publish([msg('c')]), (e: unknown) => e instanceof HotpathError && e.status === 503 && e.message === 'the bus is shutting down');
  });
});
