/**
 * The decode pool gives exactly what decoding on the event loop gives: the same profiles for every real test
 * profile (bus envelopes that decode back to profilesFromPprof's profiles, byte for byte what encodeForBus writes),
 * the same refusals for broken ones, whatever Buffer view the bytes arrive in.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { PROFILES_DIR, readProfileFile } from '../../test/helpers/pprof-oracle.ts';
import { decodeProfile } from '../bus/envelope.ts';
import { encodeForBus, type EncodedProfile } from '../bus/encoded-profile.ts';
import { HotpathError } from '../errors.ts';
import { DecodePool, type DecodeContext } from './decode-pool.ts';
import { profilesFromPprof } from './index.ts';

const ctx: DecodeContext = { tenant: 't', labels: { service_name: 'pool' }, timeFallbackMs: 1_700_000_000_000, maxDepth: 1024, maxDecompressedBytes: 64 << 20 };
const files = readdirSync(PROFILES_DIR).filter((f) => /\.(pb|pprof|pb\.gz)$/.test(f));

/** What inline decoding gives, with envelopes as plain bytes (the pool's arrive as transferred Uint8Arrays). */
const inline = (bytes: Uint8Array) => plain(profilesFromPprof(bytes, ctx).map(encodeForBus));
const plain = (ps: EncodedProfile[]) => ps.map((p) => ({ ...p, envelope: new Uint8Array(p.envelope) }));

function assertSameAsInline(got: EncodedProfile[], bytes: Uint8Array, what: string): void {
  const want = profilesFromPprof(bytes, ctx);
  assert.deepEqual(plain(got), inline(bytes), what);
  // The envelopes carry the whole profile: decoded back, they are the normalized profiles themselves.
  assert.deepEqual(
    got.map((p) => decodeProfile(p.envelope).profile),
    want,
    what,
  );
  assert.deepEqual(
    got.map((p) => p.stackCount),
    want.map((p) => p.stacks.length),
    what,
  );
}

describe('decode pool (worker threads)', () => {
  const pool = new DecodePool(2);
  after(() => pool.close());

  it('returns what inline decoding returns, for every real test profile, in parallel', async () => {
    const good = files.filter((f) => !f.startsWith('bad-'));
    assert.ok(good.length >= 20, `test profiles found: ${good.length}`);
    const got = await Promise.all(good.map((f) => pool.profiles(readProfileFile(f), ctx)));
    good.forEach((f, i) => assertSameAsInline(got[i]!, readProfileFile(f), f));
  });

  it('refuses a broken profile with the same error as inline decoding', async () => {
    for (const f of files.filter((x) => x.startsWith('bad-'))) {
      let inline: HotpathError | undefined;
      try {
        profilesFromPprof(readProfileFile(f), ctx);
      } catch (err) {
        inline = err as HotpathError;
      }
      assert.ok(inline instanceof HotpathError, `${f} is refused inline`);
      await assert.rejects(pool.profiles(readProfileFile(f), ctx), (err: unknown) => {
        assert.ok(err instanceof HotpathError, `${f}: a HotpathError`);
        assert.deepEqual([err.code, err.status, err.reason, err.message], [inline!.code, inline!.status, inline!.reason, inline!.message], f);
        return true;
      });
    }
  });

  it('answers each request of one batch (posted in the same turn) with its own outcome', async () => {
    const good = readProfileFile('go-cpu-fib.pb.gz');
    const bad = readProfileFile('bad-not-pprof.txt');
    const outcomes = await Promise.allSettled([pool.profiles(good, ctx), pool.profiles(bad, ctx), pool.profiles(good, ctx)]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assertSameAsInline((outcomes[0] as PromiseFulfilledResult<EncodedProfile[]>).value, good, 'first');
    assertSameAsInline((outcomes[2] as PromiseFulfilledResult<EncodedProfile[]>).value, good, 'third');
    assert.equal(((outcomes[1] as PromiseRejectedResult).reason as HotpathError).code, 'invalid_profile');
  });

  it('decodes a view into a larger buffer (as a push request holds its samples) as the bytes it shows', async () => {
    const bytes = readProfileFile('go-cpu-fib.pb.gz');
    const big = Buffer.concat([Buffer.alloc(1000, 7), bytes, Buffer.alloc(1000, 9)]);
    const view = big.subarray(1000, 1000 + bytes.length);
    assertSameAsInline(await pool.profiles(view, ctx), bytes, 'view');
    assert.equal(big[0], 7, 'the caller keeps its buffer');
  });

  it('with size 0 decodes on the calling thread, errors as rejections', async () => {
    const onThread = new DecodePool(0);
    assertSameAsInline(await onThread.profiles(readProfileFile('go-cpu-fib.pb.gz'), ctx), readProfileFile('go-cpu-fib.pb.gz'), 'size 0');
    await assert.rejects(onThread.profiles(Buffer.alloc(0), ctx), { code: 'invalid_profile', message: 'empty profile body' });
    await onThread.close();
  });

  it('after close, pending and new requests are refused with 503, not lost', async () => {
    const p = new DecodePool(1);
    // Decoded before the close, or refused by it: never left hanging.
    const pending = p.profiles(readProfileFile('go-heap-41k-samples.pprof'), ctx).then(
      (profiles) => assert.ok(profiles.length > 0),
      (err) => assert.deepEqual([err.code, err.status], ['unavailable', 503]),
    );
    await p.close();
    await pending;
    await assert.rejects(p.profiles(readProfileFile('go-cpu-fib.pb.gz'), ctx), { code: 'unavailable', status: 503 });
  });
});
