/**
 * The bus envelope: exact round trips (negative values, 64-bit ids past 2^53, unicode, the ingest id), agreement with
 * the .proto both ways through protobufjs, forward compatibility, and refusal — always as EnvelopeError — of bytes it
 * cannot read, of unknown schema versions and of values it cannot carry exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { BusProfile, decodeMessage, encodeMessage, SCHEMAS_DIR } from '../../schemas/index.ts';
import type { NormalizedProfile } from '../profile/model.ts';
import { BUS_SCHEMA_VERSION, checkBusLayout, decodeProfile, encodeProfile, EnvelopeError, FRAMES_NOT_READ, peekProfile } from './envelope.ts';

const CPU = {
  id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
  name: 'process_cpu',
  sampleType: 'cpu',
  sampleUnit: 'nanoseconds',
  periodType: 'cpu',
  periodUnit: 'nanoseconds',
};

function profile(): NormalizedProfile {
  return {
    tenant: 'acme',
    type: CPU,
    labels: { __name__: 'process_cpu', service_name: 'checkout', 'otel.scope.name': 'com.grafana.alloy/pyroscope.ebpf', zone: 'eu-west-1a', team: 'zahlungsverkehr-ü' },
    fingerprint: '18446744073709551615',
    timeMs: 1_764_000_000_123,
    durationNanos: 15_000_000_000,
    stacks: [
      { id: '9007199254740993', frames: ['runtime.goexit', 'main.main', 'main.work'], value: -5 },
      { id: '12345678901234567890', frames: ['runtime.goexit', 'main.main', 'main.idle'], value: 52_631_578 },
      { id: '0', frames: ['runtime.goexit'], value: Number.MAX_SAFE_INTEGER },
      { id: '9007199254740992', frames: ['[truncated]', 'σ.λ', 'emoji 🔥 frame', 'main.work'], value: -Number.MAX_SAFE_INTEGER },
      { id: '4294967296', frames: ['libc.so.6+0x1f3a0', '0x7f00deadbeef'], value: 1 },
      { id: '18446744073709551614', frames: [], value: -4294967296 },
    ],
  };
}

/** A caught EnvelopeError, asserting it is one with the given reason. */
function refusal(fn: () => unknown, reason: EnvelopeError['reason']): EnvelopeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EnvelopeError, `expected EnvelopeError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.name, 'EnvelopeError');
    return e;
  }
  assert.fail('expected an EnvelopeError');
}

describe('bus envelope round trip', () => {
  it('returns the same profile and ingest id: negative values, ids past 2^53 as exact decimals, unicode', () => {
    const p = profile();
    const bytes = encodeProfile(p, { ingestId: '734fd599-6865-419e-9475-932762d8f469.0' });
    const back = decodeProfile(bytes);
    assert.deepStrictEqual(back, { profile: p, ingestId: '734fd599-6865-419e-9475-932762d8f469.0' });
    assert.equal(back.profile.stacks[0]!.id, '9007199254740993'); // 2^53 + 1: would round to ...992 as a number
    assert.equal(back.profile.fingerprint, '18446744073709551615');
  });

  it('leaves ingestId out when none was given', () => {
    const back = decodeProfile(encodeProfile(profile()));
    assert.deepStrictEqual(Object.keys(back), ['profile']);
    assert.deepStrictEqual(decodeProfile(encodeProfile(profile(), { ingestId: '' })), { profile: profile() });
  });

  it('keeps a label named __proto__ as a plain key', () => {
    const p = { ...profile(), labels: { service_name: 'x', ['__proto__']: 'y' } as Record<string, string> };
    Object.defineProperty(p.labels, '__proto__', { value: 'y', enumerable: true, writable: true, configurable: true });
    const back = decodeProfile(encodeProfile(p)).profile;
    assert.deepStrictEqual(Object.entries(back.labels), [
      ['service_name', 'x'],
      ['__proto__', 'y'],
    ]);
    assert.equal(Object.getPrototypeOf(back.labels), Object.prototype);
  });

  it('round-trips zero time, duration and fingerprint, empty strings in the type, and no stacks', () => {
    const p: NormalizedProfile = {
      tenant: 't',
      type: { id: 'offcpu:offcpu:nanoseconds::', name: 'offcpu', sampleType: 'offcpu', sampleUnit: 'nanoseconds', periodType: '', periodUnit: '' },
      labels: {},
      fingerprint: '0',
      timeMs: 0,
      durationNanos: 0,
      stacks: [],
    };
    assert.deepStrictEqual(decodeProfile(encodeProfile(p)), { profile: p });
  });

  it('round-trips a 500-stack profile with a shared frame table', () => {
    const names = Array.from({ length: 300 }, (_, i) => `github.com/acme/svc/pkg${i % 17}.(*T${i}).Method${i % 5}`);
    const stacks = Array.from({ length: 500 }, (_, s) => ({
      id: (BigInt(s + 1) * 0x9e3779b97f4a7c15n % (1n << 64n)).toString(),
      frames: Array.from({ length: 5 + (s % 30) }, (_, d) => names[(s * 7 + d * d) % names.length]!),
      value: (s % 3 === 0 ? -1 : 1) * (s + 1) * 10_000_019,
    }));
    const p = { ...profile(), stacks };
    const bytes = encodeProfile(p, { ingestId: 'r.1' });
    assert.deepStrictEqual(decodeProfile(bytes), { profile: p, ingestId: 'r.1' });
    // Each distinct frame name is written once.
    const reflected = decodeMessage<{ frameNames: string[] }>(BusProfile, bytes);
    assert.equal(reflected.frameNames.length, new Set(stacks.flatMap((s) => s.frames)).size);
    assert.ok(bytes.length < Buffer.byteLength(JSON.stringify(p)) / 3, `${bytes.length} bytes`);
  });

  it('decodes from a Uint8Array that is a view into a larger buffer', () => {
    const bytes = encodeProfile(profile());
    const big = new Uint8Array(bytes.length + 20);
    big.set(bytes, 10);
    assert.deepStrictEqual(decodeProfile(big.subarray(10, 10 + bytes.length)), { profile: profile() });
  });
});

describe('bus envelope agrees with schemas/hotpath/bus/v1/profile.proto', () => {
  it('protobufjs reads what the envelope writes', () => {
    const bytes = encodeProfile(profile(), { ingestId: 'req-7.2' });
    assert.equal(bytes[0], 0x08); // schema_version is written first
    assert.equal(bytes[1], BUS_SCHEMA_VERSION);
    const m = decodeMessage<{
      schemaVersion: number;
      tenant: string;
      type: unknown;
      labels: Record<string, string>;
      fingerprint: string;
      timeMs: string;
      durationNanos: string;
      frameNames: string[];
      stacks: { id?: string; frames: number[]; value?: string }[];
      ingestId: string;
    }>(BusProfile, bytes);
    assert.equal(m.schemaVersion, 1);
    assert.equal(m.tenant, 'acme');
    assert.deepStrictEqual(m.type, CPU);
    assert.deepStrictEqual(m.labels, profile().labels);
    assert.equal(m.fingerprint, '18446744073709551615');
    assert.equal(m.timeMs, '1764000000123');
    assert.equal(m.durationNanos, '15000000000');
    assert.equal(m.ingestId, 'req-7.2');
    assert.deepStrictEqual(m.frameNames, ['runtime.goexit', 'main.main', 'main.work', 'main.idle', '[truncated]', 'σ.λ', 'emoji 🔥 frame', 'libc.so.6+0x1f3a0', '0x7f00deadbeef']);
    assert.deepStrictEqual(m.stacks, [
      { id: '9007199254740993', frames: [0, 1, 2], value: '-5' },
      { id: '12345678901234567890', frames: [0, 1, 3], value: '52631578' },
      { frames: [0], value: '9007199254740991' }, // id 0 is the default: not written
      { id: '9007199254740992', frames: [4, 5, 6, 2], value: '-9007199254740991' },
      { id: '4294967296', frames: [7, 8], value: '1' },
      { id: '18446744073709551614', frames: [], value: '-4294967296' },
    ]);
  });

  it('the envelope reads what protobufjs writes, whatever the field order and packing', () => {
    const p = profile();
    const names = [...new Set(p.stacks.flatMap((s) => s.frames))].reverse();
    const reflected = encodeMessage(BusProfile, {
      schemaVersion: 1,
      tenant: p.tenant,
      type: p.type,
      labels: p.labels,
      fingerprint: p.fingerprint,
      timeMs: p.timeMs,
      durationNanos: p.durationNanos,
      frameNames: names,
      stacks: p.stacks.map((s) => ({ id: s.id, frames: s.frames.map((f) => names.indexOf(f)), value: s.value })),
      ingestId: 'x',
    });
    assert.deepStrictEqual(decodeProfile(reflected), { profile: p, ingestId: 'x' });

    // Stacks before the frame table and before the version, one stack's frames unpacked: still the same profile.
    const stack = (id: bigint, frames: number[], value: bigint, packed: boolean) => {
      const w = BusProfile.lookupType('Stack');
      const body = Buffer.from(encodeMessage(w, { id: id.toString(), value: value.toString(), frames: packed ? frames : [] }));
      if (packed) return body;
      const unpacked = frames.flatMap((f) => [0x10, f]); // field 2, varint, one per frame (indices < 128)
      return Buffer.concat([body, Buffer.from(unpacked)]);
    };
    const field = (n: number, payload: Uint8Array) => Buffer.concat([Buffer.from([(n << 3) | 2, payload.length]), payload]);
    const small = Buffer.concat([
      field(9, stack(7n, [1, 0], -3n, false)),
      field(9, stack(1n << 63n, [0], 2n, true)),
      field(8, Buffer.from('a')),
      field(8, Buffer.from('b')),
      Buffer.from([0x08, 0x01]),
      field(2, Buffer.from('t')),
      field(3, Buffer.from([0x0a, 0x01, 0x78])), // type.id = "x"
    ]);
    assert.deepStrictEqual(decodeProfile(small), {
      profile: {
        tenant: 't',
        type: { id: 'x', name: '', sampleType: '', sampleUnit: '', periodType: '', periodUnit: '' },
        labels: {},
        fingerprint: '0',
        timeMs: 0,
        durationNanos: 0,
        stacks: [
          { id: '7', frames: ['b', 'a'], value: -3 },
          { id: '9223372036854775808', frames: ['a'], value: 2 },
        ],
      },
    });
  });

  it('refuses to run against a .proto that says something else', () => {
    const source = readFileSync(join(SCHEMAS_DIR, 'hotpath/bus/v1/profile.proto'), 'utf8');
    const load = (text: string) => {
      const t = protobuf.parse(text).root.lookupType('hotpath.bus.v1.NormalizedProfile');
      t.root.resolveAll();
      return t;
    };
    checkBusLayout(load(source));
    assert.throws(() => checkBusLayout(load(source.replace('fixed64 fingerprint = 5;', 'uint64 fingerprint = 5;'))), {
      message: 'lib/bus/envelope.ts expects .hotpath.bus.v1.NormalizedProfile.fingerprint as fixed64 = 5; the .proto has uint64 = 5',
    });
    assert.throws(() => checkBusLayout(load(source.replace('sint64 value = 3;', 'sint64 value = 4;'))), {
      message: 'lib/bus/envelope.ts expects .hotpath.bus.v1.Stack.value as sint64 = 3; the .proto has sint64 = 4',
    });
  });

  it('skips fields a newer writer added (forward compatible within a version)', () => {
    const bytes = encodeProfile(profile(), { ingestId: 'i' });
    const extra = Buffer.concat([
      Buffer.from(bytes),
      Buffer.from([0x78, 0x2a]), // field 15, varint 42
      Buffer.from([0x82, 0x01, 0x03, 0x61, 0x62, 0x63]), // field 16, length-delimited "abc"
      Buffer.from([0x8d, 0x01, 1, 2, 3, 4]), // field 17, fixed32
      Buffer.from([0x91, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]), // field 18, fixed64
    ]);
    assert.deepStrictEqual(decodeProfile(extra), { profile: profile(), ingestId: 'i' });
  });
});

describe('bus envelope refusals', () => {
  it('rejects garbage bytes with EnvelopeError', () => {
    const e = refusal(() => decodeProfile(Buffer.from('this is not a bus message, just text')), 'malformed');
    assert.match(e.message, /^undecodable bus message: /);
    refusal(() => decodeProfile(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), 'malformed');
    refusal(() => decodeProfile('text' as unknown as Uint8Array), 'malformed');
  });

  it('names the problem of truncated or inconsistent bytes', () => {
    const bytes = encodeProfile(profile());
    // The last stack (id fixed64 + value -2^32 as a 5-byte zigzag varint) is 15 bytes; cut its last byte.
    const n = bytes.length;
    assert.equal(refusal(() => decodeProfile(bytes.subarray(0, n - 1)), 'malformed').message, `undecodable bus message: length 15 runs past the end at byte ${n - 15} of ${n - 1}`);
    assert.equal(refusal(() => decodeProfile(Uint8Array.from([0x08, 0x01, 0x12, 0x05, 0x61])), 'malformed').message, 'undecodable bus message: length 5 runs past the end at byte 4 of 5');
    assert.equal(refusal(() => decodeProfile(Uint8Array.from([0x08])), 'malformed').message, 'undecodable bus message: truncated varint at byte 1 of 1');
    assert.equal(refusal(() => decodeProfile(Uint8Array.from([0x08, 0x01, 0x2a, 0x00])), 'malformed').message, 'undecodable bus message: field fingerprint (5) has wire type 2 at byte 3 of 4');
    assert.equal(refusal(() => decodeProfile(Uint8Array.from([0x08, 0x01, 0x0b])), 'malformed').message, 'undecodable bus message: field schema_version (1) has wire type 3 at byte 3 of 3');
    assert.equal(refusal(() => decodeProfile(Uint8Array.from([0x08, 0x01, 0xa3, 0x01])), 'malformed').message, 'undecodable bus message: unsupported wire type 3 (field 20) at byte 4 of 4');
  });

  it('rejects a stack pointing past the frame table', () => {
    const bytes = encodeMessage(BusProfile, { schemaVersion: 1, tenant: 't', type: { id: 'x' }, frameNames: ['a'], stacks: [{ id: '1', frames: [0, 3] }] });
    assert.equal(refusal(() => decodeProfile(bytes), 'malformed').message, 'undecodable bus message: stack 0 frame 1 refers to frame name 3, but the table has 1');
  });

  it('rejects an unknown or missing schema_version', () => {
    const bytes = Buffer.from(encodeProfile(profile()));
    bytes[1] = 2;
    assert.equal(refusal(() => decodeProfile(bytes), 'unsupported_schema_version').message, 'unsupported bus message schema_version 2: this build reads version 1');
    const withoutVersion = encodeMessage(BusProfile, { tenant: 't', type: { id: 'x' } });
    assert.equal(refusal(() => decodeProfile(withoutVersion), 'unsupported_schema_version').message, 'unsupported bus message schema_version missing (0): this build reads version 1');
    assert.equal(refusal(() => decodeProfile(new Uint8Array(0)), 'unsupported_schema_version').message, 'unsupported bus message schema_version missing (0): this build reads version 1');
    const later = encodeMessage(BusProfile, { schemaVersion: 1_000_000, tenant: 't' });
    assert.equal(refusal(() => decodeProfile(later), 'unsupported_schema_version').message, 'unsupported bus message schema_version 1000000: this build reads version 1');
  });

  it('peekProfile reads tenant, ingest id and stack count, and refuses the top level as decodeProfile does', () => {
    const p = profile();
    assert.deepEqual(peekProfile(encodeProfile(p, { ingestId: 'r.3' })), { tenant: p.tenant, ingestId: 'r.3', stackCount: p.stacks.length });
    assert.deepEqual(peekProfile(encodeProfile(p)), { tenant: p.tenant, stackCount: p.stacks.length });
    const bad: Uint8Array[] = [
      Buffer.from('this is not a bus message, just text'),
      Uint8Array.from([0x08, 0x01, 0x12, 0x05, 0x61]),
      Uint8Array.from([0x08]),
      Uint8Array.from([0x08, 0x01, 0x2a, 0x00]),
      Uint8Array.from([0x08, 0x01, 0x0b]),
      Uint8Array.from([0x08, 0x01, 0xa3, 0x01]),
      encodeMessage(BusProfile, { schemaVersion: 2, tenant: 't', type: { id: 'x' } }),
      encodeMessage(BusProfile, { tenant: 't', type: { id: 'x' } }),
      encodeMessage(BusProfile, { schemaVersion: 1, type: { id: 'x' } }),
    ];
    for (const bytes of bad) {
      let want: EnvelopeError | undefined;
      try {
        decodeProfile(bytes);
      } catch (e) {
        want = e as EnvelopeError;
      }
      const got = refusal(() => peekProfile(bytes), want!.reason);
      assert.equal(got.message, want!.message);
    }
    // Only decoding reads inside the stacks: a stack pointing past the frame table passes the peek.
    const inside = encodeMessage(BusProfile, { schemaVersion: 1, tenant: 't', type: { id: 'x' }, frameNames: ['a'], stacks: [{ id: '1', frames: [0, 3] }] });
    assert.deepEqual(peekProfile(inside), { tenant: 't', stackCount: 1 });
  });

  it('reads frames only of the stacks framesFor asks for; the others get FRAMES_NOT_READ, their indices still checked', () => {
    const p = profile();
    assert.ok(p.stacks.length >= 2);
    const keep = p.stacks[1]!.id;
    const asked: string[] = [];
    const back = decodeProfile(encodeProfile(p), (tenant, id) => {
      asked.push(`${tenant}/${id}`);
      return id === keep;
    }).profile;
    assert.deepEqual(asked, p.stacks.map((s) => `${p.tenant}/${s.id}`));
    assert.deepEqual(back.stacks.map((s) => s.id), p.stacks.map((s) => s.id));
    assert.deepEqual(back.stacks.map((s) => s.value), p.stacks.map((s) => s.value));
    back.stacks.forEach((s, i) => assert.equal(s.frames, s.id === keep ? s.frames : FRAMES_NOT_READ, `stack ${i}`));
    assert.deepEqual(back.stacks[1]!.frames, p.stacks[1]!.frames);
    assert.ok(Object.isFrozen(FRAMES_NOT_READ) && FRAMES_NOT_READ.length === 0);
    const bad = encodeMessage(BusProfile, { schemaVersion: 1, tenant: 't', type: { id: 'x' }, frameNames: ['a'], stacks: [{ id: '1', frames: [0, 3] }] });
    assert.equal(refusal(() => decodeProfile(bad, () => false), 'malformed').message, 'undecodable bus message: stack 0 frame 1 refers to frame name 3, but the table has 1');
  });

  it('rejects a message without tenant or profile type', () => {
    assert.equal(refusal(() => decodeProfile(encodeMessage(BusProfile, { schemaVersion: 1, type: { id: 'x' } })), 'malformed').message, 'undecodable bus message: tenant is empty');
    assert.equal(refusal(() => decodeProfile(encodeMessage(BusProfile, { schemaVersion: 1, tenant: 't' })), 'malformed').message, 'undecodable bus message: profile type id is empty');
  });

  it('rejects 64-bit values a JS number cannot hold exactly', () => {
    const big = encodeMessage(BusProfile, { schemaVersion: 1, tenant: 't', type: { id: 'x' }, stacks: [{ id: '1', value: '9007199254740992' }] });
    assert.equal(refusal(() => decodeProfile(big), 'invalid_value').message, 'bus message value out of range: stack 0 value is above 2^53 - 1');
    const low = encodeMessage(BusProfile, { schemaVersion: 1, tenant: 't', type: { id: 'x' }, stacks: [{ id: '1', value: '-9007199254740992' }] });
    assert.equal(refusal(() => decodeProfile(low), 'invalid_value').message, 'bus message value out of range: stack 0 value is below -(2^53 - 1)');
    const time = encodeMessage(BusProfile, { schemaVersion: 1, tenant: 't', type: { id: 'x' }, timeMs: '-9223372036854775808' });
    assert.equal(refusal(() => decodeProfile(time), 'invalid_value').message, 'bus message value out of range: time_ms is below -(2^53 - 1)');
  });

  it('never throws anything but EnvelopeError on damaged messages', () => {
    const good = encodeProfile(profile(), { ingestId: 'i' });
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(good);
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? Math.floor(rand() * bytes.length) : bytes.length;
      try {
        decodeProfile(bytes.subarray(0, cut));
      } catch (err) {
        assert.ok(err instanceof EnvelopeError, `mutation ${i}: ${String(err)}`);
        refused++;
      }
    }
    assert.ok(refused > 1000, `refused ${refused}`);
  });

  it('refuses to encode values it cannot carry exactly', () => {
    const bad = (change: (p: NormalizedProfile) => void, message: string) => {
      const p = profile();
      change(p);
      assert.equal(refusal(() => encodeProfile(p), 'invalid_value').message, `cannot encode profile for the bus: ${message}`);
    };
    bad((p) => (p.stacks[1]!.id = '007'), 'stack 1 id "007" is not an unsigned 64-bit decimal');
    bad((p) => (p.stacks[1]!.id = '-1'), 'stack 1 id "-1" is not an unsigned 64-bit decimal');
    bad((p) => (p.stacks[1]!.id = '18446744073709551616'), 'stack 1 id "18446744073709551616" is not an unsigned 64-bit decimal');
    bad((p) => (p.stacks[1]!.id = ''), 'stack 1 id "" is not an unsigned 64-bit decimal');
    bad((p) => (p.fingerprint = '0x1f'), 'fingerprint "0x1f" is not an unsigned 64-bit decimal');
    bad((p) => (p.stacks[2]!.value = 2 ** 53), 'stack 2 value 9007199254740992 is not a safe integer');
    bad((p) => (p.stacks[2]!.value = 1.5), 'stack 2 value 1.5 is not a safe integer');
    bad((p) => (p.timeMs = Number.NaN), 'timeMs NaN is not a safe integer');
    bad((p) => (p.tenant = ''), 'tenant is empty');
    bad((p) => (p.type = { ...p.type, id: '' }), 'profile type id is empty');
    // The encoder is usable again after a refusal (its scratch state is reset).
    assert.deepStrictEqual(decodeProfile(encodeProfile(profile())), { profile: profile() });
  });
});
