import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../errors.ts';
import { decodePprof } from './decode.ts';
import { stackId, seriesFingerprint } from './hash.ts';
import { profilesFromPprof } from './index.ts';
import type { NormalizedProfile } from './model.ts';
import { NO_STACK_FRAME, normalizePprof, TRUNCATED_FRAME, type NormalizeContext } from './normalize.ts';
import {
  basicProfile,
  craftPprof,
  fileSize,
  isPprofFile,
  oracleDecode,
  oracleSymbolizedStacks,
  oracleTotals,
  profileFiles,
  readProfile,
  sourcesTable,
  type CraftProfile,
} from './test-fixtures.ts';

const CTX = { tenant: 'acme', labels: { service_name: 'checkout', env: 'prod' }, timeFallbackMs: 1_700_000_000_000 };
const CAP = 64 * 1024 * 1024;

function profiles(file: string, ctx: Partial<NormalizeContext> = {}): NormalizedProfile[] {
  return profilesFromPprof(readProfile(file), { ...CTX, ...ctx, maxDecompressedBytes: CAP });
}

function crafted(c: CraftProfile, ctx: Partial<NormalizeContext> = {}): NormalizedProfile[] {
  return normalizePprof(decodePprof(craftPprof(c), { maxDecompressedBytes: CAP }), { ...CTX, ...ctx });
}

const ids = (ps: NormalizedProfile[]): string[] => ps.map((p) => p.type.id);
const total = (p: NormalizedProfile | undefined): bigint => (p ? p.stacks.reduce((s, st) => s + BigInt(st.value), 0n) : 0n);
const byFrames = (p: NormalizedProfile): Map<string, number> => new Map(p.stacks.map((s) => [JSON.stringify(s.frames), s.value]));

test('per sample type, normalized totals equal pprof-format signed sums and SOURCES.md (where sizes match)', () => {
  const table = sourcesTable();
  const files = profileFiles().filter(isPprofFile);
  let comparedWithTable = 0;
  for (const f of files) {
    const row = table.get(f);
    assert.ok(row, `${f} has no row in SOURCES.md`);
    const out = profiles(f);
    const oracle = oracleTotals(readProfile(f));
    const sizeMatches = row.bytes === fileSize(f);
    if (sizeMatches) comparedWithTable++;
    oracle.forEach((o, t) => {
      const p = out.find((x) => x.type.sampleType === o.type && x.type.sampleUnit === o.unit);
      // A sample type yields a profile iff some sample has a non-zero value of it.
      assert.equal(p !== undefined, o.anyNonZero, `${f} ${o.type}/${o.unit}: profile present`);
      assert.equal(total(p), o.total, `${f} ${o.type}/${o.unit} vs pprof-format`);
      if (sizeMatches) assert.equal(total(p), row.totals.get(`${o.type}/${o.unit}`), `${f} ${o.type}/${o.unit} vs SOURCES.md`);
      assert.ok(t < oracle.length);
    });
    assert.equal(out.length, oracle.filter((o) => o.anyNonZero).length, f);
  }
  assert.ok(files.length >= 60);
  assert.equal(comparedWithTable, files.length - 10, 'files whose size matches SOURCES.md');
});

test('every normalized stack: non-zero safe value, non-empty frames, id = stackId(frames), ids unique per profile', () => {
  for (const f of profileFiles().filter(isPprofFile)) {
    for (const p of profiles(f)) {
      const seen = new Set<string>();
      assert.ok(p.stacks.length > 0, f);
      for (const s of p.stacks) {
        assert.ok(s.value !== 0 && Number.isSafeInteger(s.value), `${f}: value ${s.value}`);
        assert.ok(s.frames.length > 0 && s.frames.length <= 1024, f);
        for (const frame of s.frames) assert.ok(frame.length > 0, `${f}: empty frame name`);
        assert.equal(s.id, stackId(s.frames), f);
        assert.ok(!seen.has(s.id), `${f}: duplicate stack ${s.id}`);
        seen.add(s.id);
      }
      assert.equal(p.tenant, 'acme');
      assert.equal(p.fingerprint, seriesFingerprint(p.type.id, p.labels));
    }
  }
});

test('symbolized profiles: stacks (inline-expanded, root first) and summed values equal an independent pprof-format walk', () => {
  let covered = 0;
  for (const f of profileFiles().filter(isPprofFile)) {
    const expected = oracleSymbolizedStacks(readProfile(f));
    if (!expected) continue;
    covered++;
    const out = profiles(f);
    const types = oracleTotals(readProfile(f));
    types.forEach((o, t) => {
      const p = out.find((x) => x.type.sampleType === o.type && x.type.sampleUnit === o.unit);
      const want = new Map([...(expected[t] as Map<string, bigint>)].map(([k, v]) => [k, Number(v)]));
      assert.deepEqual(p ? byFrames(p) : new Map(), want, `${f} ${o.type}`);
    });
  }
  assert.ok(covered >= 30, `only ${covered} fully symbolized files`);
});

test('delta heap profile keeps its negative values (go-heap-alloc-space-delta)', () => {
  const out = profiles('go-heap-alloc-space-delta.pb.gz');
  const inuse = out.find((p) => p.type.sampleType === 'inuse_space');
  assert.ok(inuse);
  const negative = inuse.stacks.filter((s) => s.value < 0);
  assert.ok(negative.length > 0, 'a negative stack value');
  assert.equal(total(inuse), 666938665n);
  const oracle = oracleTotals(readProfile('go-heap-alloc-space-delta.pb.gz'));
  assert.equal(total(inuse), oracle.find((o) => o.type === 'inuse_space')?.total);
  // The negative values are the decoded ones, not artifacts: some sample carries a negative inuse_space.
  const p = oracleDecode(readProfile('go-heap-alloc-space-delta.pb.gz'));
  assert.ok(p.sample.some((s) => BigInt.asIntN(64, BigInt(s.value[3] ?? 0)) < 0n));
});

test('inline frames expand root-ward caller first (go-cpu-pprof-labels, location 14 has two lines)', () => {
  const cpu = profiles('go-cpu-pprof-labels.pprof').find((p) => p.type.sampleType === 'cpu');
  assert.ok(cpu);
  const stack = cpu.stacks.find((s) => s.frames.includes('main.slowFunction') && s.frames.includes('runtime.duffzero'));
  assert.ok(stack);
  assert.deepEqual(stack.frames, [
    'runtime.main',
    'main.main',
    'github.com/pyroscope-io/client/pyroscope.TagWrapper',
    'runtime/pprof.Do',
    'github.com/pyroscope-io/client/pyroscope.TagWrapper.func1',
    'main.main.func2',
    'main.slowFunction',
    'go.opentelemetry.io/otel/sdk/trace.(*tracer).Start', // line[1] of location 14: the caller
    'go.opentelemetry.io/otel/trace.NewSpanStartConfig', // line[0]: the inlined callee
    'runtime.duffzero',
  ]);
  assert.equal(stack.value, 200_000_000);
});

test('unsymbolized frames are named module+0xoffset and none is dropped (go-cpu-stripped*.pprof)', () => {
  for (const f of ['go-cpu-stripped.pprof', 'go-cpu-stripped-unsymbolized.pprof']) {
    const bytes = readProfile(f);
    const oracle = oracleDecode(bytes);
    for (const p of profiles(f)) {
      for (const s of p.stacks) for (const frame of s.frames) assert.match(frame, /^(pprof-example-app-go(-stripped)?|\[vdso\]|\[vsyscall\])\+0x[0-9a-f]+$/, f);
      // One frame per location (no lines), every sample its own stack: frames and samples are all there.
      assert.equal(p.stacks.length, oracle.sample.length, f);
      assert.equal(
        p.stacks.reduce((n, s) => n + s.frames.length, 0),
        oracle.sample.reduce((n, s) => n + s.locationId.length, 0),
        f,
      );
    }
  }
  const samples = profiles('go-cpu-stripped.pprof').find((p) => p.type.sampleType === 'samples');
  assert.equal(total(samples), 907n);
  // Sample 0 = locations 1,2,3,4 (leaf first); mapping 1: start 0x400000, offset 0; location 1 at 0x4d8745.
  assert.deepEqual(samples?.stacks[0]?.frames, [
    'pprof-example-app-go+0x249e46',
    'pprof-example-app-go+0x2491de',
    'pprof-example-app-go+0xd4659',
    'pprof-example-app-go+0xd8745',
  ]);
});

test('locations with neither address nor line become [unknown] frames (odd-no-addr-no-line)', () => {
  const [p] = profiles('odd-no-addr-no-line.pb.gz');
  assert.ok(p);
  assert.equal(p.stacks.length, 2);
  assert.deepEqual(p.stacks[0]?.frames, ['UNKNOWN+0x5e997', 'entry_SYSCALL_64_after_hwframe', 'do_syscall_64', 'syscall_exit_to_user_mode', '__audit_syscall_exit']);
  const second = p.stacks[1]?.frames ?? [];
  // Location 19 (mapping without name, address 0, no line) stays every time it occurs in sample 2, and every
  // other location keeps its one frame per line.
  const oracle = oracleDecode(readProfile('odd-no-addr-no-line.pb.gz'));
  const sample = oracle.sample[1]?.locationId.map(Number) ?? [];
  const lines = new Map(oracle.location.map((l) => [Number(l.id), l.line.length]));
  assert.equal(second.filter((x) => x === '[unknown]').length, sample.filter((id) => id === 19).length);
  assert.equal(second.filter((x) => x === '[unknown]').length, 24);
  assert.equal(second.length, sample.reduce((n, id) => n + Math.max(1, lines.get(id) ?? 0), 0));
  assert.equal(total(p), 105263156n);
});

test('depth cap: leaf-most maxDepth-1 frames under [truncated], totals unchanged (go-cpu-deep-stacks)', () => {
  const full = profiles('go-cpu-deep-stacks.pb.gz');
  const capped = profiles('go-cpu-deep-stacks.pb.gz', { maxDepth: 8 });
  assert.deepEqual(ids(capped), ids(full));
  full.forEach((p, t) => {
    const c = capped[t] as NormalizedProfile;
    assert.equal(total(c), total(p));
    // Expected: the full stacks, each cut to its leaf-most 7 frames under [truncated] when deeper than 8, then summed.
    const want = new Map<string, number>();
    let truncated = 0;
    for (const s of p.stacks) {
      const frames = s.frames.length > 8 ? [TRUNCATED_FRAME, ...s.frames.slice(-7)] : s.frames;
      if (s.frames.length > 8) truncated++;
      const k = JSON.stringify(frames);
      want.set(k, (want.get(k) ?? 0) + s.value);
    }
    assert.equal(truncated, 438);
    assert.deepEqual(byFrames(c), new Map([...want].filter(([, v]) => v !== 0)));
    for (const s of c.stacks) {
      assert.ok(s.frames.length <= 8);
      if (s.frames[0] === TRUNCATED_FRAME) assert.equal(s.frames.length, 8);
      assert.equal(s.id, stackId(s.frames));
    }
    assert.ok(c.stacks.filter((s) => s.frames[0] === TRUNCATED_FRAME).length > 100);
  });
  // Default cap 1024 leaves these 64-deep Go stacks alone.
  assert.ok(full[0]?.stacks.every((s) => s.frames[0] !== TRUNCATED_FRAME));
  // maxDepth 1: every stack deeper than one frame is just [truncated].
  const one = profiles('go-cpu-deep-stacks.pb.gz', { maxDepth: 1 });
  assert.ok(one[0]?.stacks.every((s) => s.frames.length === 1));
  assert.equal(total(one[0]), total(full[0]));
});

test('profile type ids of named files (compat.md "Profile type ids", compat-details §1.6, §3.3)', () => {
  const cases: [string, Partial<NormalizeContext>, string[]][] = [
    ['go-cpu-pprof-labels.pprof', {}, ['process_cpu:samples:count:cpu:nanoseconds', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds']],
    [
      'go-heap-4-types.pb.gz',
      {},
      ['memory:alloc_objects:count:space:bytes', 'memory:alloc_space:bytes:space:bytes', 'memory:inuse_objects:count:space:bytes', 'memory:inuse_space:bytes:space:bytes'],
    ],
    ['go-heap-41k-samples.pprof', {}, ['memory:alloc_objects:count:space:bytes']],
    ['node-wall.pb.gz', {}, ['wall:samples:count:wall:microseconds', 'wall:wall:microseconds:wall:microseconds']],
    ['node-wall-cpu-gen-labels.pb.gz', {}, ['wall:sample:count:wall:nanoseconds', 'wall:wall:nanoseconds:wall:nanoseconds', 'wall:cpu:nanoseconds:wall:nanoseconds']],
    ['node-heap.pprof', {}, ['memory:objects:count:space:bytes', 'memory:space:bytes:space:bytes']],
    ['node-heap-gen.pb.gz', {}, ['memory:inuse_objects:count:inuse_space:bytes', 'memory:inuse_space:bytes:inuse_space:bytes']],
    // Pyroscope's default sample_type_config names `goroutine` "goroutines" (the Go SDK's /ingest id)…
    ['go-goroutine-gen-labels.pb.gz', {}, ['goroutines:goroutine:count:goroutine:count']],
    ['go-goroutine-sdk-labels.pb.gz', {}, ['goroutines:goroutine:count:goroutine:count']],
    // …and a request's own config replaces the defaults: no display name → the last sample type.
    ['go-goroutine-gen-labels.pb.gz', { sampleTypeConfig: {} }, ['goroutine:goroutine:count:goroutine:count']],
    ['go-mutex-gen.pb.gz', {}, ['mutex:contentions:count:contentions:count', 'mutex:delay:nanoseconds:contentions:count']],
    // A Go block profile reads as mutex under the defaults; the Go SDK's config makes it block.
    ['go-block-gen.pb.gz', {}, ['mutex:contentions:count:contentions:count', 'mutex:delay:nanoseconds:contentions:count']],
    [
      'go-block-gen.pb.gz',
      { sampleTypeConfig: { contentions: { 'display-name': 'block_count', units: 'lock_samples' }, delay: { 'display-name': 'block_duration', units: 'lock_nanoseconds' } } },
      ['block:contentions:count:contentions:count', 'block:delay:nanoseconds:contentions:count'],
    ],
    ['python-pyspy.pb.gz', {}, ['process_cpu:samples:count::milliseconds']],
    ['java-alloc-objects.pb.gz', {}, ['memory:alloc_in_new_tlab_objects:count:space:bytes']],
    ['java-cpu-kafka.pb.gz', {}, ['process_cpu:cpu:nanoseconds:cpu:nanoseconds']],
    ['tiny-single-stack.pb.gz', {}, ['process_cpu:cpu:nanoseconds:cpu:nanoseconds']],
    // No period type: empty parts stay empty.
    ['ebpf-otel-offcpu.pb.gz', {}, ['process_cpu:off_cpu:nanoseconds::']],
    // Push: the series' own __name__ names the profile (eBPF off-CPU is `offcpu`).
    ['ebpf-otel-offcpu.pb.gz', { labels: { service_name: 'host', __name__: 'offcpu' } }, ['offcpu:off_cpu:nanoseconds::']],
  ];
  for (const [file, ctx, want] of cases) assert.deepEqual(ids(profiles(file, ctx)), want, `${file} ${JSON.stringify(ctx)}`);
  const [first] = profiles('go-cpu-pprof-labels.pprof');
  assert.deepEqual(first?.type, {
    id: 'process_cpu:samples:count:cpu:nanoseconds',
    name: 'process_cpu',
    sampleType: 'samples',
    sampleUnit: 'count',
    periodType: 'cpu',
    periodUnit: 'nanoseconds',
  });
});

test('.NET: dotnetspy (or an unknown spy with an inuse-space config) turns - into _ in sample types', () => {
  assert.deepEqual(ids(profiles('dotnet-cpu-73.pb.gz')), [
    'process_cpu:cpu:nanoseconds::nanoseconds',
    'process_cpu:alloc-samples:count::nanoseconds',
    'process_cpu:alloc-size:bytes::nanoseconds',
  ]);
  const fixed = ['process_cpu:cpu:nanoseconds::nanoseconds', 'process_cpu:alloc_samples:count::nanoseconds', 'process_cpu:alloc_size:bytes::nanoseconds'];
  assert.deepEqual(ids(profiles('dotnet-cpu-73.pb.gz', { spyName: 'dotnetspy' })), fixed);
  assert.deepEqual(ids(profiles('dotnet-cpu-73.pb.gz', { spyName: 'unknown', sampleTypeConfig: { 'inuse-space': { units: 'bytes' } } })), fixed);
  // Five of dotnet-cpu's six sample types are all zero: one profile.
  assert.deepEqual(ids(profiles('dotnet-cpu.pb.gz', { spyName: 'dotnetspy' })), ['process_cpu:cpu:nanoseconds::nanoseconds']);
});

test('series labels: request labels plus __name__, never pprof sample labels; request labels not mutated', () => {
  const labels = { service_name: 'checkout', env: 'prod' };
  const out = profiles('go-cpu-pprof-labels.pprof', { labels });
  assert.deepEqual(labels, { service_name: 'checkout', env: 'prod' });
  for (const p of out) {
    // The file's samples carry foo, profile_id and function labels: none of them is a series label.
    assert.deepEqual(p.labels, { service_name: 'checkout', env: 'prod', __name__: 'process_cpu' });
  }
  assert.notEqual(out[0]?.fingerprint, out[1]?.fingerprint, 'one series per sample type');
  assert.equal(out[0]?.fingerprint, seriesFingerprint('process_cpu:samples:count:cpu:nanoseconds', { env: 'prod', __name__: 'process_cpu', service_name: 'checkout' }));
});

test('time: time_nanos in ms; time_nanos 0 or in 1970 falls back to the request time; duration kept', () => {
  const [labels] = profiles('go-cpu-pprof-labels.pprof');
  assert.equal(labels?.timeMs, 1654798932062); // time_nanos 1654798932062349000
  assert.equal(labels?.durationNanos, 10123363553);
  assert.equal(profiles('dotnet-cpu.pb.gz')[0]?.timeMs, CTX.timeFallbackMs); // time_nanos 0
  assert.equal(profiles('python-pyspy.pb.gz')[0]?.timeMs, CTX.timeFallbackMs); // 1694153500000000: microseconds, i.e. 1970
  assert.equal(profiles('python-pyspy.pb.gz')[0]?.durationNanos, 10000000);
  assert.equal(crafted({ ...basicProfile(), timeNanos: 31_535_999_999_999_999n })[0]?.timeMs, CTX.timeFallbackMs);
  assert.equal(crafted({ ...basicProfile(), timeNanos: 31_536_000_000_000_000n })[0]?.timeMs, 31_536_000_000);
  assert.equal(crafted({ ...basicProfile(), timeNanos: -5n })[0]?.timeMs, CTX.timeFallbackMs);
});

test('scripting spies rename functions "<filename> <name>"; pyspy keeps absolute file names as they are', () => {
  assert.deepEqual([...byFrames(profiles('python-pyspy.pb.gz', { spyName: 'pyspy' })[0] as NormalizedProfile)], [
    ['["main.py <module>","main.py slow_function","main.py work"]', 632],
    ['["main.py <module>","main.py slow_function","contextlib.py __enter__"]', 1],
    ['["main.py <module>","main.py fast_function","main.py work"]', 143],
    ['["main.py <module>","main.py slow_function","contextlib.py __exit__"]', 1],
    ['["main.py <module>","main.py slow_function","contextlib.py __exit__","pyroscope/__init__.py tag_wrapper"]', 4],
  ]);
  const c: CraftProfile = {
    ...basicProfile(),
    strings: ['', 'cpu', 'nanoseconds', 'main', 'work', 'app.rb', '/usr/lib/ruby/x.rb'],
    functions: [
      { id: 1, name: 3, filename: 5 },
      { id: 2, name: 4, filename: 6 },
    ],
  };
  assert.deepEqual(crafted(c, { spyName: 'pyspy' })[0]?.stacks[0]?.frames, ['app.rb main', 'work']);
  assert.deepEqual(crafted(c, { spyName: 'rbspy' })[0]?.stacks[0]?.frames, ['app.rb main', '/usr/lib/ruby/x.rb work']);
  assert.deepEqual(crafted(c, { spyName: 'gospy' })[0]?.stacks[0]?.frames, ['main', 'work']);
});

test('identical stacks are summed, zero stacks dropped, and a type with no stack left yields no profile', () => {
  const c: CraftProfile = {
    ...basicProfile(),
    strings: ['', 'cpu', 'nanoseconds', 'main', 'work', 'main.go', 'alloc', 'bytes'],
    sampleTypes: [
      [1, 2],
      [6, 7],
    ],
    // Locations 2 and 3 are different addresses of the same function: same frames, one stack.
    locations: [
      { id: 1, lines: [[1, 10]] },
      { id: 2, address: 0x1000n, lines: [[2, 20]] },
      { id: 3, address: 0x2000n, lines: [[2, 21]] },
    ],
    samples: [
      { locations: [2, 1], values: [10, 0] },
      { locations: [3, 1], values: [5, 0] },
      { locations: [1], values: [7, 0] },
      { locations: [1], values: [-7, 0] }, // sums with the previous to 0: dropped
      { locations: [2], values: [0, 0] }, // all zero: skipped
    ],
  };
  const out = crafted(c);
  assert.deepEqual(ids(out), ['process_cpu:cpu:nanoseconds:cpu:nanoseconds']);
  assert.deepEqual(out[0]?.stacks, [{ id: stackId(['main', 'work']), frames: ['main', 'work'], value: 15 }]);
});

test('a sample without locations becomes the one-frame stack [no stack]', () => {
  const out = crafted({ ...basicProfile(), samples: [{ locations: [], values: [3] }, { locations: [1], values: [4] }] });
  assert.deepEqual(out[0]?.stacks, [
    { id: stackId([NO_STACK_FRAME]), frames: [NO_STACK_FRAME], value: 3 },
    { id: stackId(['main']), frames: ['main'], value: 4 },
  ]);
});

test('a stack whose sum passes 2^53 - 1 is refused as out of range', () => {
  const big = 2 ** 52;
  const c = { ...basicProfile(), samples: [{ locations: [1], values: [big] }, { locations: [1], values: [big] }] };
  assert.throws(() => crafted(c), (e: unknown) => e instanceof HotpathError && e.code === 'invalid_profile' && /sample value out of range/.test(e.message));
});

test('address naming: basename+offset, build id, bare address, address below mapping, kernel addresses, no address', () => {
  const c: CraftProfile = {
    strings: ['', 'cpu', 'nanoseconds', '/usr/lib/x86_64-linux-gnu/libc.so.6', 'abc123', '', 'sym', 'C:\\app\\svc.exe', 'fallback'],
    sampleTypes: [[1, 2]],
    mappings: [
      { id: 1, start: 0x7f0000000000n, limit: 0x7f0000100000n, offset: 0x1000n, filename: 3 },
      { id: 2, start: 0x400000n, limit: 0x500000n, filename: 0, buildId: 4 },
      { id: 3, start: 0xffffffff81000000n, limit: 0xffffffffa0000000n, filename: 0 },
      { id: 4, start: 0x10000n, limit: 0x20000n, filename: 7 },
    ],
    locations: [
      { id: 1, mappingId: 1, address: 0x7f0000012345n },
      { id: 2, mappingId: 2, address: 0x401234n },
      { id: 3, mappingId: 3, address: 0xffffffff81234567n },
      { id: 4, address: 0xdeadbeefn },
      { id: 5, mappingId: 4, address: 0x8000n },
      { id: 6, mappingId: 1 },
      { id: 7 },
      { id: 8, mappingId: 4, address: 0x10010n, lines: [[1, 3]] },
      { id: 9, address: 0x99n, lines: [[2, 4]] },
    ],
    functions: [
      { id: 1, name: 5, systemName: 8 }, // no name → system_name
      { id: 2, name: 5 }, // no name at all → address naming
    ],
    samples: [{ locations: [1, 2, 3, 4, 5, 6, 7, 8, 9], values: [1] }],
  };
  assert.deepEqual(crafted(c)[0]?.stacks[0]?.frames, [
    '0x99',
    'fallback',
    '[unknown]',
    'libc.so.6 [unknown]',
    '0x8000', // below its mapping's start: no offset
    '0xdeadbeef',
    '0xffffffff81234567', // no module name: the full 64-bit address, exact
    'abc123+0x1234', // no file name: the build id
    'libc.so.6+0x13345', // 0x7f0000012345 - 0x7f0000000000 + 0x1000
  ]);
  const win = crafted({ ...c, samples: [{ locations: [5], values: [1] }], locations: [{ id: 5, mappingId: 4, address: 0x10010n }] });
  assert.deepEqual(win[0]?.stacks[0]?.frames, ['svc.exe+0x10']);
});

test('maxDepth must be a positive integer', () => {
  assert.throws(() => crafted(basicProfile(), { maxDepth: 0 }), RangeError);
  assert.throws(() => crafted(basicProfile(), { maxDepth: 2.5 }), RangeError);
});
