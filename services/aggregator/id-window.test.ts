import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdWindow } from './id-window.ts';

const id = (i: number) => `req-${i.toString(36)}.${i % 3}`;

describe('id window (ingest ids until their expiry)', () => {
  it('holds each id until its expiry, forgets deleted ones, and tells ids differing in one character apart', () => {
    const w = new IdWindow(1000);
    w.set('abc.0', 100, 50);
    assert.equal(w.has('abc.0', 99), true);
    assert.equal(w.has('abc.0', 100), false, 'expired at its expiry');
    assert.equal(w.has('abc.1', 50), false);
    assert.equal(w.has('abd.0', 50), false);
    w.set('abc.0', 200, 150); // taken again after expiry: a new expiry
    assert.equal(w.has('abc.0', 150), true);
    w.delete('abc.0');
    assert.equal(w.has('abc.0', 150), false);
    w.set('abc.0', 300, 150);
    assert.equal(w.has('abc.0', 150), true, 'taken again after delete');
  });

  it('keeps 300 000 ids through its rebuilds, drops only expired ones, and answers no for ids never set', () => {
    const w = new IdWindow(1_000_000);
    // The first 100 000 expire at 1 000, the rest at 5 000; the clock passes 1 000 while the rest are added.
    for (let i = 0; i < 300_000; i++) w.set(id(i), i < 100_000 ? 1000 : 5000, i < 100_000 ? 900 : 1100);
    for (let i = 0; i < 300_000; i++) assert.equal(w.has(id(i), 1100), i >= 100_000, id(i));
    for (let i = 300_000; i < 310_000; i++) assert.equal(w.has(id(i), 1100), false);
  });

  it('over its bound, drops the earliest-expiring ids and says until when it is incomplete', () => {
    const drops: number[] = [];
    const w = new IdWindow(100_000, (until) => drops.push(until));
    // Expiry rises with i: 10 000 + i.
    for (let i = 0; i < 150_000; i++) w.set(id(i), 10_000 + i, 0);
    assert.ok(drops.length > 0, 'dropped something');
    const last = drops.at(-1)!;
    // Everything expiring after the last drop point is still there; nothing expiring at or before it is claimed.
    for (let i = 0; i < 150_000; i++) {
      const held = w.has(id(i), 0);
      if (10_000 + i > last) assert.equal(held, true, `kept ${i}`);
      else assert.equal(held, false, `dropped ${i}`);
    }
  });
});
