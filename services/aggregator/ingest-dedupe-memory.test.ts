/**
 * When memory answers for the store (IngestDedupe with a sole writer): the per-batch lookup of stored ids is made
 * only while ids stored before this process may still be unexpired, or after memory dropped ids over its bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../lib/store/store.ts';
import { IngestDedupe } from './ingest-dedupe.ts';

/** A store answering the two queries IngestDedupe makes, counting the id lookups. */
function fakeStore(lastExpiryS: number, stored: string[] = []) {
  const calls = { lookups: 0, lastExpiry: 0 };
  const store = {
    async select(query: string, params: { ids?: string[] } = {}) {
      if (query.includes('max(expires_at)')) {
        calls.lastExpiry++;
        return [{ last: String(lastExpiryS) }];
      }
      calls.lookups++;
      return (params.ids ?? []).filter((id) => stored.includes(id)).map((ingest_id) => ({ ingest_id }));
    },
  } as unknown as Store;
  return { store, calls };
}

const nowS = () => Math.floor(Date.now() / 1000);

describe('ingest dedupe: memory answers for a sole writer', () => {
  it('a fresh store (no unexpired ids): no lookup per batch, the store asked once for its last expiry', async () => {
    const { store, calls } = fakeStore(0);
    const d = new IngestDedupe(store, { windowMs: 600_000, maxKnown: 1000, soleWriter: true });
    for (let b = 0; b < 5; b++) assert.deepEqual(await d.stored([`id-${b}.0`, `id-${b}.1`]), new Set());
    assert.deepEqual(calls, { lookups: 0, lastExpiry: 1 });
  });

  it('ids of an earlier run still unexpired: every batch looks them up, and finds the stored one', async () => {
    const { store, calls } = fakeStore(nowS() + 300, ['old.0']);
    const d = new IngestDedupe(store, { windowMs: 600_000, maxKnown: 1000, soleWriter: true });
    assert.deepEqual(await d.stored(['old.0', 'new.0']), new Set(['old.0']));
    assert.deepEqual(await d.stored(['new.1']), new Set());
    assert.deepEqual(calls, { lookups: 2, lastExpiry: 1 });
  });

  it('after memory dropped unexpired ids over its bound, batches look ids up again', async () => {
    const { store, calls } = fakeStore(0, ['taken-0.0']);
    const d = new IngestDedupe(store, { windowMs: 600_000, maxKnown: 1000, soleWriter: true });
    assert.deepEqual(await d.stored(['x.0']), new Set());
    assert.equal(calls.lookups, 0);
    // 1 000 is the bound: claiming more drops the earliest-expiring, which expire 10 minutes from now.
    for (let i = 0; i < 1500; i++) assert.equal(d.claim(`taken-${i}.0`, () => {}), true);
    assert.deepEqual(await d.stored(['taken-0.0']), new Set(['taken-0.0']));
    assert.equal(calls.lookups, 1);
  });

  it('not a sole writer (Kafka, or a ClickHouse server): every batch looks its ids up', async () => {
    const { store, calls } = fakeStore(0);
    const d = new IngestDedupe(store, { windowMs: 600_000, maxKnown: 1000, soleWriter: false });
    await d.stored(['a.0']);
    await d.stored(['b.0']);
    assert.deepEqual(calls, { lookups: 2, lastExpiry: 0 });
  });

  it('holds an id a window from its write, not from its claim (a write that waited keeps the id longer)', (t) => {
    let now = 1_800_000_000_000;
    t.mock.method(Date, 'now', () => now);
    const d = new IngestDedupe(fakeStore(0).store, { windowMs: 600_000, maxKnown: 1000, soleWriter: true });
    assert.equal(d.claim('late.0', () => {}), true);
    now += 300_000; // the batch's write succeeds 5 minutes after the claim (the store was down)
    d.written([{ ingestId: 'late.0' }]);
    now += 400_000; // 11 minutes after the claim, 6 after the write: still a repeat
    assert.equal(d.claim('late.0', () => {}), false);
    now += 201_000; // 10 minutes and a second after the write: a new request
    assert.equal(d.claim('late.0', () => {}), true);
  });

  it('claims an id once within the window, and again after release', () => {
    const d = new IngestDedupe(fakeStore(0).store, { windowMs: 600_000, maxKnown: 1000, soleWriter: true });
    let held = 0;
    assert.equal(d.claim('r.0', () => held++), true);
    assert.equal(d.claim('r.0', () => held++), false);
    d.release('r.0');
    assert.equal(d.claim('r.0', () => held++), true);
    assert.equal(held, 2);
  });
});
