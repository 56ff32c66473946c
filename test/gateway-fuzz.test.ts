/**
 * Fuzz: 10 000 mutated real profiles (bit flips, truncations, huge varints, bad string/function/location indexes,
 * gzip'd or not, gzip streams damaged) through the gateway's decode path in-process — every one either yields
 * profiles that pass or fail the limits with a HotpathError of status 400/413, or is refused the same way; never
 * another exception (that would be a 500) — then a few hundred over HTTP to a real server: every answer 200 or
 * 400, the server stays up, and a profile accepted before keeps its exact total.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeForBus } from '../lib/bus/encoded-profile.ts';
import { DEFAULT_LIMITS } from '../lib/config/index.ts';
import { HotpathError } from '../lib/errors.ts';
import { profilesFromPprof } from '../lib/profile/index.ts';
import { checkProfile } from '../services/ingest/limits/profile-limits.ts';
import { MUTATIONS, mutate, prng } from './helpers/mutate-pprof.ts';
import { decodeOracle, oracleTotals, readRecentProfile } from './helpers/pprof-oracle.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const BASES = ['go-cpu-fib.pb.gz', 'go-heap-4-types.pb.gz', 'dotnet-cpu.pb.gz', 'ebpf-otel-offcpu.pb.gz', 'go-cpu-pprof-labels.pprof', 'go-cpu-stripped.pprof'];
const RAW = BASES.map((f) => decodeOracle(readRecentProfile(f)).encode());

function* cases(n: number, seed: number): Generator<{ seed: number; kind: string; base: string; body: Uint8Array }> {
  for (let i = 0; i < n; i++) {
    const rnd = prng(seed + i);
    const b = Math.floor(rnd() * RAW.length);
    const kind = MUTATIONS[i % MUTATIONS.length]!;
    yield { seed: seed + i, kind, base: BASES[b]!, body: mutate(RAW[b]!, kind, rnd) };
  }
}

describe('gateway fuzz', { timeout: 10 * 60_000 }, () => {
  it('10 000 mutated profiles in-process: accepted or refused with a HotpathError 400/413, nothing else', () => {
    const outcomes = new Map<string, number>();
    for (const c of cases(10_000, 1)) {
      let outcome: string;
      try {
        const profiles = profilesFromPprof(c.body, {
          tenant: 't',
          labels: { service_name: 'fuzz' },
          timeFallbackMs: 0,
          maxDepth: DEFAULT_LIMITS.maxStackDepth,
          maxDecompressedBytes: DEFAULT_LIMITS.maxDecompressedBytes,
        });
        // As the decode worker does: every profile that normalizes must also encode for the bus.
        for (const p of profiles) checkProfile(encodeForBus(p), DEFAULT_LIMITS);
        outcome = 'accepted';
      } catch (err) {
        if (!(err instanceof HotpathError)) assert.fail(`seed ${c.seed} (${c.kind} of ${c.base}): ${(err as Error)?.stack ?? String(err)}`);
        assert.ok(err.status === 400 || err.status === 413, `seed ${c.seed}: status ${err.status} ${err.message}`);
        outcome = `${err.status} ${err.code}`;
      }
      outcomes.set(`${c.kind} ${outcome}`, (outcomes.get(`${c.kind} ${outcome}`) ?? 0) + 1);
    }
    // Every mutation kind is exercised and most are refused (a fuzz that only ever succeeds tests nothing).
    for (const kind of MUTATIONS) assert.ok([...outcomes.keys()].some((k) => k.startsWith(`${kind} 400`)), `${kind}: ${JSON.stringify([...outcomes])}`);
  });

  describe('over HTTP', () => {
    let server: TestServer;
    const clean = readRecentProfile('go-cpu-fib.pb.gz');
    const query = `process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="fuzz-clean"}`;
    const expected = oracleTotals(clean).find((t) => t.type === 'cpu')!.total;

    before(async () => {
      server = await startServer();
    });
    after(async () => {
      await server?.stop();
    });

    async function cleanTotal(): Promise<number> {
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${server.url}/api/v1/top?query=${encodeURIComponent(query)}&from=1&until=now`);
        const body = (await res.json()) as { total: number };
        if (body.total === Number(expected)) return body.total;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail('the clean profile never showed its total');
    }

    it('a few hundred mutated profiles: 200 or 400 each; earlier data intact', async () => {
      const res = await fetch(`${server.url}/ingest?name=fuzz-clean&format=pprof&from=1700000000&until=1700000010`, { method: 'POST', body: clean });
      assert.equal(res.status, 200);
      assert.equal(await cleanTotal(), Number(expected));
      const statuses = new Map<number, number>();
      for (const c of cases(300, 1_000_000)) {
        const r = await fetch(`${server.url}/ingest?name=fuzz-target&format=pprof&from=1700000000&until=1700000010`, { method: 'POST', body: c.body });
        const text = await r.text();
        assert.ok(r.status === 200 || r.status === 400, `seed ${c.seed} (${c.kind} of ${c.base}): ${r.status} ${text}`);
        if (r.status === 400) assert.ok(JSON.parse(text).error.message.length > 0);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
      assert.ok((statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
      assert.equal((await fetch(`${server.url}/healthy`)).status, 200);
      assert.equal(await cleanTotal(), Number(expected));
    });
  });
});
