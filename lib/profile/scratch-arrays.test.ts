/**
 * The scratch buffer: views handed out inside withScratchArrays are zeroed whatever the previous call left there,
 * never overlap, and fall back to plain arrays outside it or past its size; profilesFromPprof, which uses it, gives
 * the same profiles whatever was decoded before (no state leaks from one call to the next).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readProfileFile } from '../../test/helpers/pprof-oracle.ts';
import { normalizePprof } from './normalize.ts';
import { decodePprof } from './decode.ts';
import { profilesFromPprof } from './index.ts';
import { f64, i32, u32, u8, withScratchArrays } from './scratch-arrays.ts';

describe('scratch arrays', () => {
  it('inside a call: zeroed, disjoint views of one buffer; outside: arrays of their own', () => {
    withScratchArrays(() => {
      const a = u32(100);
      a.fill(0xffffffff);
      i32(3).fill(-1);
      f64(5).fill(1.5);
      u8(7).fill(9);
    });
    withScratchArrays(() => {
      const a = u32(100);
      const b = i32(3);
      const c = f64(5);
      const d = u8(7);
      for (const x of [a, b, c, d]) assert.ok(x.every((v) => v === 0), 'zeroed');
      assert.equal(a.buffer, c.buffer, 'one buffer');
      a.fill(1);
      assert.ok(b.every((v) => v === 0) && c.every((v) => v === 0) && d.every((v) => v === 0), 'disjoint');
      assert.equal(c.byteOffset % 8, 0, 'aligned');
      // Larger than the buffer: an array of its own, still zeroed.
      const big = u32(64 << 20);
      assert.notEqual(big.buffer, a.buffer);
      assert.equal(big.byteOffset, 0);
    });
    const outside = u32(10);
    assert.equal(outside.byteOffset, 0);
    assert.equal(outside.buffer.byteLength, 40);
  });

  it('profilesFromPprof gives the same profiles whatever was decoded before', () => {
    const ctx = { tenant: 't', labels: { service_name: 's' }, timeFallbackMs: 1_700_000_000_000, maxDecompressedBytes: 64 << 20 };
    const files = ['go-cpu-pprof-labels.pprof', 'go-heap-alloc-objects.pb.gz', 'java-cpu-kafka.pb.gz', 'go-cpu-fib.pb.gz'];
    // The reference: decoded without the scratch buffer (decodePprof + normalizePprof directly).
    const want = files.map((f) => normalizePprof(decodePprof(readProfileFile(f), ctx), ctx));
    for (const order of [files, [...files].reverse(), [files[1]!, files[3]!, files[0]!, files[2]!, files[1]!]]) {
      for (const f of order) assert.deepEqual(profilesFromPprof(readProfileFile(f), ctx), want[files.indexOf(f)], f);
    }
  });
});
