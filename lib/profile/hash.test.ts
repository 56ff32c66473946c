import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  FrameHashCache,
  frameHashA,
  frameHashB,
  murmur3Bytes,
  murmur3String,
  seriesFingerprint,
  STACK_SEED_A,
  STACK_SEED_B,
  stackFinish,
  stackId,
  stackStep,
  uint64Decimal,
} from './hash.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test('murmur3_32 matches published test vectors', () => {
  const vectors: [Uint8Array, number, number][] = [
    [new Uint8Array(0), 0, 0],
    [new Uint8Array(0), 1, 0x514e28b7],
    [new Uint8Array(0), 0xffffffff, 0x81f16f39],
    [new Uint8Array([0, 0, 0, 0]), 0, 0x2362f9de],
    [new Uint8Array([0xff, 0xff, 0xff, 0xff]), 0, 0x76293b50],
    [new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0, 0xf55b516b],
    [new Uint8Array([0x21, 0x43, 0x65]), 0, 0x7e4a8634],
    [new Uint8Array([0x21, 0x43]), 0, 0xa0f7b07a],
    [new Uint8Array([0x21]), 0, 0x72661cf4],
    [utf8('a'), 0x9747b28c, 0x7fa09ea6],
    [utf8('abc'), 0x9747b28c, 0xc84a62dd],
    [utf8('aaaa'), 0x9747b28c, 0x5a97808a],
    [utf8('Hello, world!'), 0x9747b28c, 0x24884cba],
    [utf8('The quick brown fox jumps over the lazy dog'), 0x9747b28c, 0x2fa826cd],
  ];
  for (const [bytes, seed, want] of vectors) assert.equal(murmur3Bytes(bytes, seed), want, `${bytes} seed ${seed}`);
});

test('murmur3String hashes the UTF-8 bytes (ASCII fast path and non-ASCII alike)', () => {
  for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'runtime.mallocgc', 'π', 'aπb', 'héllo wörld', '😀 emoji', 'lone \ud800 surrogate']) {
    assert.equal(murmur3String(s, 0x9747b28c), murmur3Bytes(utf8(s), 0x9747b28c), JSON.stringify(s));
  }
  assert.equal(murmur3String('Hello, world!', 0x9747b28c), 0x24884cba);
});

test('uint64Decimal is the exact unsigned decimal of hi * 2^32 + lo', () => {
  const edge: [number, number][] = [
    [0, 0],
    [0, 0xffffffff],
    [1, 0],
    [0x1fffff, 0xffffffff],
    [0x200000, 0],
    [0xffffffff, 0xffffffff],
    [0x80000000, 0],
    [0x17, 0x4876e7ff], // 99999999999
    [0x2540be3, 0xffffffff],
  ];
  let seed = 12345;
  for (let i = 0; i < 20000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    const hi = seed >>> 0;
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    edge.push([i % 7 === 0 ? hi >>> (i % 32) : hi, seed >>> 0]);
  }
  for (const [hi, lo] of edge) {
    assert.equal(uint64Decimal(hi, lo), ((BigInt(hi) << 32n) | BigInt(lo)).toString(), `${hi} ${lo}`);
  }
  assert.equal(uint64Decimal(0xffffffff, 0xffffffff), '18446744073709551615');
});

test('stack ids are pinned: changing the hash would orphan every stored stack id', () => {
  assert.equal(stackId(['main', 'foo']), '17273150709123720920');
  assert.equal(stackId([]), '2923342562739840415');
  assert.equal(stackId(['']), '3188354106957279430');
  assert.equal(seriesFingerprint('process_cpu:cpu:nanoseconds:cpu:nanoseconds', { service_name: 'checkout', __name__: 'process_cpu' }), '2253279656376966432');
});

test('stack ids are the same in another process', () => {
  const script = `import { stackId } from './lib/profile/hash.ts'; console.log(stackId(['main', 'foo', 'π']));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('../../', import.meta.url).pathname,
    encoding: 'utf8',
  });
  assert.equal(out.trim(), stackId(['main', 'foo', 'π']));
});

test('stack ids depend on order, depth and frame boundaries', () => {
  const stacks = [[], [''], ['', ''], ['a'], ['a', 'b'], ['b', 'a'], ['ab'], ['a', 'b', ''], ['', 'a', 'b'], ['a', 'a'], ['aa'], ['A', 'b']];
  const ids = stacks.map(stackId);
  assert.equal(new Set(ids).size, stacks.length, JSON.stringify(ids));
  for (const id of ids) assert.match(id, /^\d{1,20}$/);
});

test('the incremental form (FrameHashCache + stackStep/stackFinish) gives stackId', () => {
  const frames = ['runtime.main', 'main.main', 'main.work', 'runtime.mallocgc'];
  const cache = new FrameHashCache();
  let a = STACK_SEED_A;
  let b = STACK_SEED_B;
  const prefixIds: string[] = [];
  frames.forEach((f, i) => {
    const k = cache.intern(f);
    assert.equal(cache.names[k], f);
    assert.equal(cache.a[k], frameHashA(f) | 0);
    assert.equal(cache.b[k], frameHashB(f) | 0);
    a = stackStep(a, cache.a[k] as number);
    b = stackStep(b, cache.b[k] as number);
    // A tree builder finishes the state at every node to get that node's path id.
    prefixIds.push(uint64Decimal(stackFinish(a, i + 1), stackFinish(b, i + 1)));
  });
  assert.deepEqual(prefixIds, frames.map((_, i) => stackId(frames.slice(0, i + 1))));
  assert.equal(cache.intern('main.main'), 1);
  assert.equal(cache.names.length, 4);
});

test('no 64-bit collisions among 300k distinct stacks, and each 32-bit lane is well spread', () => {
  const ids = new Set<string>();
  const laneA = new Set<number>();
  const laneB = new Set<number>();
  const buckets = new Uint32Array(256);
  const cache = new FrameHashCache();
  const fns = Array.from({ length: 64 }, (_, i) => cache.intern(`pkg/mod.Function${i}`));
  const n = 300_000;
  for (let i = 0; i < n; i++) {
    // Stacks that differ only slightly (one frame, or order), as real stacks do.
    let a = STACK_SEED_A;
    let b = STACK_SEED_B;
    let x = i;
    let depth = 0;
    while (x > 0 || depth < 3) {
      const f = fns[x % 64] as number;
      a = stackStep(a, cache.a[f] as number);
      b = stackStep(b, cache.b[f] as number);
      x = Math.floor(x / 64);
      depth++;
    }
    const fa = stackFinish(a, depth);
    const fb = stackFinish(b, depth);
    ids.add(uint64Decimal(fa, fb));
    laneA.add(fa);
    laneB.add(fb);
    buckets[fb & 255]++;
  }
  assert.equal(ids.size, n);
  // Expected 32-bit collisions among n values: n^2 / 2^33 ≈ 10.5.
  assert.ok(n - laneA.size < 40, `lane A: ${n - laneA.size} collisions`);
  assert.ok(n - laneB.size < 40, `lane B: ${n - laneB.size} collisions`);
  // Low byte of lane B (which picks hash slots): each of 256 buckets near n/256 ≈ 1172 (±6 sigma).
  for (const c of buckets) assert.ok(Math.abs(c - n / 256) < 6 * Math.sqrt(n / 256), `bucket ${c}`);
});

test('series fingerprints ignore label order and separate names, values and types', () => {
  const type = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
  const base = seriesFingerprint(type, { service_name: 'checkout', env: 'prod', __name__: 'process_cpu' });
  assert.equal(seriesFingerprint(type, { __name__: 'process_cpu', env: 'prod', service_name: 'checkout' }), base);
  const variants = [
    seriesFingerprint(type, { service_name: 'checkout', env: 'prd', __name__: 'process_cpu' }),
    seriesFingerprint(type, { service_name: 'checkout', __name__: 'process_cpu' }),
    seriesFingerprint('process_cpu:samples:count:cpu:nanoseconds', { service_name: 'checkout', env: 'prod', __name__: 'process_cpu' }),
    seriesFingerprint(type, { service_name: 'checkout', envprod: '', __name__: 'process_cpu' }),
    seriesFingerprint(type, { service_name: 'checkout', e: 'nvprod', __name__: 'process_cpu' }),
    seriesFingerprint(type, {}),
  ];
  assert.equal(new Set([base, ...variants]).size, variants.length + 1);
});
