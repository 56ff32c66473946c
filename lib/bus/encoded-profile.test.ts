/**
 * An EncodedProfile carries exactly what publishing the NormalizedProfile used to: busValue(encodeForBus(p), id)
 * is byte for byte encodeProfile(p, { ingestId: id }), for every sample type of real profiles.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readProfileFile } from '../../test/helpers/pprof-oracle.ts';
import { profilesFromPprof } from '../profile/index.ts';
import { busValue, encodeForBus } from './encoded-profile.ts';
import { decodeProfile, encodeProfile } from './envelope.ts';

const ctx = { tenant: 't', labels: { service_name: 'svc', version: 'v1' }, timeFallbackMs: 1_700_000_000_000, maxDecompressedBytes: 64 << 20 };

test('busValue(encodeForBus(p), id) = encodeProfile(p, { ingestId: id }); header fields from p', () => {
  for (const file of ['go-cpu-pprof-labels.pprof', 'go-heap-4-types.pb.gz', 'java-cpu-kafka.pb.gz']) {
    const profiles = profilesFromPprof(readProfileFile(file), ctx);
    assert.ok(profiles.length > 0, file);
    profiles.forEach((p, i) => {
      const e = encodeForBus(p);
      assert.deepEqual(
        { tenant: e.tenant, type: e.type, labels: e.labels, fingerprint: e.fingerprint, timeMs: e.timeMs, stackCount: e.stackCount },
        { tenant: p.tenant, type: p.type, labels: p.labels, fingerprint: p.fingerprint, timeMs: p.timeMs, stackCount: p.stacks.length },
      );
      const id = `req-${file}.${i}`;
      assert.ok(Buffer.from(busValue(e, id)).equals(Buffer.from(encodeProfile(p, { ingestId: id }))), `${file} #${i} with id`);
      assert.deepEqual(decodeProfile(busValue(e, id)), { profile: p, ingestId: id });
      // Without an id: the envelope as encoded (no copy), which decodes without one.
      assert.ok(Buffer.from(busValue(e)).equals(Buffer.from(encodeProfile(p))), `${file} #${i} without id`);
      assert.equal(decodeProfile(busValue(e)).ingestId, undefined);
    });
  }
});

test('a multi-byte ingest id is written with its UTF-8 length', () => {
  const p = profilesFromPprof(readProfileFile('go-cpu-fib.pb.gz'), ctx)[0]!;
  const id = 'ü'.repeat(100); // 200 bytes: a two-byte length varint
  assert.ok(Buffer.from(busValue(encodeForBus(p), id)).equals(Buffer.from(encodeProfile(p, { ingestId: id }))));
  assert.equal(decodeProfile(busValue(encodeForBus(p), id)).ingestId, id);
});
