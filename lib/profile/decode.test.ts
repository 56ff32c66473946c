import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { HotpathError } from '../errors.ts';
import { decodePprof, decodePprofReference } from './decode.ts';
import type { DecodedPprof } from './decoded-pprof.ts';
import { normalizePprof } from './normalize.ts';
import {
  basicProfile,
  craftPprof,
  isPprofFile,
  oracleDecode,
  PbWriter,
  profileFiles,
  readProfile,
  type CraftProfile,
} from './test-fixtures.ts';

const CAP = { maxDecompressedBytes: 64 * 1024 * 1024 };

/** The decoded profile with its string table spelled out, for deep comparison across decoders. */
function comparable(d: DecodedPprof): object {
  const strings = Array.from({ length: d.strings.count }, (_, i) => d.strings.get(i));
  return { ...d, strings };
}

/** Asserts `fn` throws a HotpathError with `code` whose message matches `message`. */
function assertRejects(fn: () => unknown, code: string, message: RegExp): HotpathError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HotpathError, `expected a HotpathError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}

function both(c: CraftProfile): [DecodedPprof, DecodedPprof] {
  const bytes = craftPprof(c);
  return [decodePprof(bytes, CAP), decodePprofReference(bytes, CAP)];
}

test('every pprof test file decodes identically with our reader and with pprof-format', () => {
  const files = profileFiles().filter(isPprofFile);
  assert.ok(files.length >= 60, `only ${files.length} pprof files found`);
  for (const f of files) {
    const bytes = readProfile(f);
    const ours = decodePprof(bytes, CAP);
    const ref = decodePprofReference(bytes, CAP);
    assert.deepEqual(comparable(ours), comparable(ref), f);
    // Same decoded columns must give the same stacks and values per sample type.
    const ctx = { tenant: 't', labels: { service_name: 'svc' }, timeFallbackMs: 1 };
    assert.deepEqual(normalizePprof(ours, ctx), normalizePprof(ref, ctx), f);
    // Cross-check a few columns against pprof-format objects directly.
    const p = oracleDecode(bytes);
    assert.equal(ours.samples.count, p.sample.length, f);
    assert.equal(ours.locations.count, p.location.length, f);
    assert.equal(ours.functions.count, p.function.length, f);
    assert.equal(ours.mappings.count, p.mapping.length, f);
    assert.equal(ours.strings.count, p.stringTable.strings.length, f);
  }
});

test('bad-* test files and the JFR recording are rejected as invalid_profile by both decoders', () => {
  const expected: Record<string, RegExp> = {
    'bad-bitflipped.pb': /invalid pprof: invalid field tag 6 at byte 18923/,
    'bad-not-pprof.txt': /invalid pprof: unsupported wire type 4 \(field 14\) at byte 1 — not a pprof protobuf/,
    'bad-truncated-gzip.pb.gz': /invalid gzip: unexpected end of file/,
    'bad-truncated-protobuf.pb': /string_table entry at byte 6985 claims 16 bytes .* \(truncated\?\)/,
    'java-jfr-dump1.jfr.gz': /unsupported wire type 6 .*not a pprof protobuf/,
  };
  const rejected = profileFiles().filter((f) => !isPprofFile(f));
  assert.deepEqual(rejected.sort(), Object.keys(expected).sort());
  for (const f of rejected) {
    const bytes = readProfile(f);
    assertRejects(() => decodePprof(bytes, CAP), 'invalid_profile', expected[f] as RegExp);
    assertRejects(() => decodePprofReference(bytes, CAP), 'invalid_profile', /./);
  }
});

test('bad-truncated-protobuf.pb, which pprof-format decodes, fails our reference checks (dangling string ids)', () => {
  const bytes = readProfile('bad-truncated-protobuf.pb');
  const p = oracleDecode(bytes); // pprof-format alone accepts it…
  assert.equal(p.sample.length, 32);
  // …but its string table was cut off: names point past it.
  assertRejects(() => decodePprofReference(bytes, CAP), 'invalid_profile', /dangling string id 12 \(function 3 filename\); the string table has 12 entries/);
});

test('empty bodies are invalid_profile', () => {
  assertRejects(() => decodePprof(new Uint8Array(0), CAP), 'invalid_profile', /^empty profile body$/);
  assertRejects(() => decodePprof(gzipSync(Buffer.alloc(0)), CAP), 'invalid_profile', /gzip stream holds an empty profile/);
});

test('a gzip bomb stops at the cap with too_large / profile_too_large', () => {
  // 200 MB of zeros gzip to ~200 KB; the cap is 64 MiB.
  const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 1 });
  assert.ok(bomb.length < 1024 * 1024);
  const before = process.memoryUsage().arrayBuffers;
  const err = assertRejects(() => decodePprof(bomb, CAP), 'too_large', /decompressed profile exceeds the limit of 67108864 bytes/);
  assert.equal(err.reason, 'profile_too_large');
  assert.equal(err.status, 413);
  // Nothing near the bomb's 200 MB was kept alive (the inflated output is dropped at the cap).
  assert.ok(process.memoryUsage().arrayBuffers - before < 100 * 1024 * 1024);
});

test('the cap applies to uncompressed input too, and a profile exactly at the cap passes', () => {
  const bytes = craftPprof(basicProfile());
  assertRejects(() => decodePprof(bytes, { maxDecompressedBytes: bytes.length - 1 }), 'too_large', /limit of/);
  assert.equal(decodePprof(bytes, { maxDecompressedBytes: bytes.length }).samples.count, 2);
  const gz = gzipSync(bytes);
  assertRejects(() => decodePprof(gz, { maxDecompressedBytes: bytes.length - 1 }), 'too_large', /limit of/);
  assert.equal(decodePprof(gz, { maxDecompressedBytes: bytes.length }).samples.count, 2);
});

test('a crafted basic profile decodes to the expected columns', () => {
  const [d, ref] = both(basicProfile());
  assert.deepEqual(comparable(d), comparable(ref));
  assert.deepEqual([...d.samples.locationIds], [2, 1, 1]);
  assert.deepEqual([...d.samples.locationStart], [0, 2, 3]);
  assert.deepEqual([...d.samples.values], [10, 5]);
  assert.deepEqual([...d.sampleLocationIndex], [1, 0, 0]);
  assert.equal(d.timeNanos, 1_700_000_000_123_456_789n);
  assert.equal(d.period, 10_000_000n);
  assert.equal(d.strings.get(d.functions.name[1] as number), 'work');
});

test('negative int64 values (10-byte varints) stay negative, down to -(2^53 - 1)', () => {
  const c = basicProfile();
  const min = -Number.MAX_SAFE_INTEGER;
  const [d, ref] = both({ ...c, samples: [{ locations: [1], values: [-5] }, { locations: [2], values: [min] }, { locations: [2], values: [Number.MAX_SAFE_INTEGER] }] });
  assert.deepEqual([...d.samples.values], [-5, min, Number.MAX_SAFE_INTEGER]);
  assert.deepEqual([...ref.samples.values], [-5, min, Number.MAX_SAFE_INTEGER]);
});

test('sample values beyond ±(2^53 - 1) are refused as out of range', () => {
  for (const v of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
    const bytes = craftPprof({ ...basicProfile(), samples: [{ locations: [1], values: [v] }] });
    assertRejects(() => decodePprof(bytes, CAP), 'invalid_profile', /sample value out of range/);
    assertRejects(() => decodePprofReference(bytes, CAP), 'invalid_profile', /sample value out of range/);
  }
});

test('a length prefix of 2^53 or more is refused, naming the field (known, unknown, nested)', () => {
  const HUGE = 2n ** 53n;
  const hugeBytes = new PbWriter().varint(HUGE).finish().length;
  const cases: [Uint8Array, RegExp][] = [
    // Top level: a sample (field 2) and an unknown field 99, both length-delimited.
    [new PbWriter().tag(2, 2).varint(HUGE).finish(), /^invalid pprof: sample length out of range \(>= 2\^53\) at byte 9$/],
    [new PbWriter().tag(99, 2).varint(HUGE).finish(), /^invalid pprof: field 99 length out of range \(>= 2\^53\) at byte 10$/],
    // Inside a sample: a label (field 3, skipped unread) whose length is out of range.
    [new PbWriter().tag(2, 2).varint(1 + hugeBytes).tag(3, 2).varint(HUGE).finish(), /^invalid pprof: field 3 length out of range \(>= 2\^53\) at byte 11$/],
  ];
  for (const [bytes, message] of cases) assertRejects(() => decodePprof(bytes, CAP), 'invalid_profile', message);
});

test('packed and unpacked location_id/value fields decode the same', () => {
  const c = basicProfile();
  const packed = decodePprof(craftPprof(c), CAP);
  const unpacked = both({ ...c, samples: c.samples.map((s) => ({ ...s, unpacked: true })) });
  // Only the byte length differs (unpacked repeats the tag per entry).
  assert.deepEqual({ ...comparable(unpacked[0]), byteLength: 0 }, { ...comparable(packed), byteLength: 0 });
  assert.deepEqual({ ...comparable(unpacked[1]), byteLength: 0 }, { ...comparable(packed), byteLength: 0 });
});

test('unknown fields of every wire type are skipped; groups are refused', () => {
  const plain = { ...comparable(decodePprof(craftPprof(basicProfile()), CAP)), byteLength: 0 };
  // pprof-format reads one-byte tags of varint and length-delimited fields only, so it checks just those.
  const varintAndLen = both({
    ...basicProfile(),
    extra: (w) => {
      w.string(15, 'https://doc.example'); // doc_url
      w.int(13, 5); // comment
      w.int(12, -1n).int(12, 10_000_000); // a repeated scalar: the last one wins
      w.int(7, 3).int(8, -1n); // drop_frames, keep_frames (unused; -1 is a 10-byte varint)
    },
  });
  assert.deepEqual({ ...comparable(varintAndLen[0]), byteLength: 0 }, plain);
  assert.deepEqual({ ...comparable(varintAndLen[1]), byteLength: 0 }, plain);
  const fixed = craftPprof({
    ...basicProfile(),
    extra: (w) => {
      w.tag(40, 1).raw([1, 2, 3, 4, 5, 6, 7, 8]); // fixed64
      w.tag(41, 5).raw([1, 2, 3, 4]); // fixed32
    },
  });
  assert.deepEqual({ ...comparable(decodePprof(fixed, CAP)), byteLength: 0 }, plain);
  const group = craftPprof({ ...basicProfile(), extra: (w) => w.tag(43, 3) });
  assertRejects(() => decodePprof(group, CAP), 'invalid_profile', /unsupported wire type 3/);
});

test('structural problems are invalid_profile with a message naming them (both decoders)', () => {
  const base = basicProfile();
  const cases: [string, CraftProfile, RegExp][] = [
    ['no sample types', { ...base, sampleTypes: [], samples: [] }, /the profile has no sample types/],
    ['value count', { ...base, samples: [{ locations: [1], values: [1, 2] }] }, /sample #0 has 2 values but the profile has 1 sample types/],
    ['dangling location', { ...base, samples: [{ locations: [99], values: [1] }] }, /a sample refers to location 99, which does not exist/],
    ['dangling function', { ...base, locations: [{ id: 1, lines: [[7, 1]] }, { id: 2, lines: [[2, 1]] }] }, /location 1 has a line of function 7, which does not exist/],
    ['dangling mapping', { ...base, locations: [{ id: 1, mappingId: 3, lines: [[1, 1]] }, { id: 2, lines: [[2, 1]] }] }, /location 1 refers to mapping 3, which does not exist/],
    ['dangling string', { ...base, functions: [{ id: 1, name: 40 }, { id: 2, name: 4 }] }, /dangling string id 40 \(function 1 name\); the string table has 6 entries/],
    ['huge string index', { ...base, functions: [{ id: 1, name: 2 ** 40 }, { id: 2, name: 4 }] }, /dangling string id 4294967295 \(function 1 name\)/],
    ['location id 0', { ...base, locations: [{ id: 0, lines: [[1, 1]] }, { id: 2, lines: [[2, 1]] }] }, /location #0 has the reserved id 0/],
    ['duplicate location', { ...base, locations: [{ id: 1, lines: [[1, 1]] }, { id: 1, lines: [[2, 1]] }] }, /location id 1 appears twice/],
    ['duplicate function', { ...base, functions: [{ id: 1, name: 3 }, { id: 1, name: 4 }] }, /function id 1 appears twice/],
    ['id past 2^32', { ...base, locations: [{ id: 2n ** 32n, lines: [[1, 1]] }, { id: 2, lines: [[2, 1]] }] }, /location id out of range \(>= 2\^32\)/],
  ];
  for (const [name, c, message] of cases) {
    const bytes = craftPprof(c);
    assertRejects(() => decodePprof(bytes, CAP), 'invalid_profile', message);
    assertRejects(() => decodePprofReference(bytes, CAP), 'invalid_profile', message);
    assert.ok(name.length > 0);
  }
});

test('truncation anywhere inside a message is refused by our reader', () => {
  const bytes = craftPprof(basicProfile());
  let rejected = 0;
  for (let cut = 1; cut < bytes.length; cut++) {
    try {
      decodePprof(bytes.subarray(0, cut), CAP);
    } catch (err) {
      assert.ok(err instanceof HotpathError && err.code === 'invalid_profile', String(err));
      rejected++;
    }
  }
  // A cut can only succeed on one of the 16 top-level field boundaries (protobuf has no end marker).
  assert.ok(rejected >= bytes.length - 1 - 16, `${rejected} of ${bytes.length - 1} cuts rejected`);
});

test('old .NET profiles with every function id 0 are repaired from location ids', () => {
  const d = decodePprof(readProfile('dotnet-cpu.pb.gz'), CAP);
  assert.deepEqual([...d.functions.id], [...d.locations.id]);
  assert.equal(d.functions.count, 41);
});

test('mutated real profiles only ever decode or throw HotpathError (never anything else, never hang)', () => {
  // Deterministic PRNG (mulberry32) so a failure reproduces.
  let seed = 0x5eed;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const sources = ['go-cpu-pprof-labels.pprof', 'tiny-two-stacks.pb.gz', 'node-heap.pprof', 'go-heap-gen.pb.gz'].map(readProfile);
  let ok = 0;
  let rejected = 0;
  const start = performance.now();
  for (let i = 0; i < 600; i++) {
    const src = sources[i % sources.length] as Buffer;
    const raw = src[0] === 0x1f ? gunzipSync(src) : src;
    const mutated = Uint8Array.from(raw);
    const flips = 1 + Math.floor(rand() * 8);
    for (let k = 0; k < flips; k++) mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
    const input = i % 3 === 0 ? mutated.subarray(0, Math.floor(rand() * mutated.length) + 1) : mutated;
    try {
      normalizePprof(decodePprof(i % 5 === 0 ? gzipSync(input) : input, CAP), { tenant: 't', labels: {}, timeFallbackMs: 0 });
      ok++;
    } catch (err) {
      assert.ok(err instanceof HotpathError, `mutation ${i}: ${String(err)}`);
      assert.ok(err.code === 'invalid_profile', `mutation ${i}: ${err.code} ${err.message}`);
      rejected++;
    }
  }
  assert.ok(rejected > 100 && ok > 10, `${rejected} rejected, ${ok} decoded`);
  assert.ok(performance.now() - start < 20_000);
});
