import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { Profile } from 'pprof-format';
import { encodeProfileGzip, mergedProfile } from './pprof-export.ts';
import type { SummedStack } from './stacks.ts';
import { functionTotals } from './top.ts';

const st = (path: string, value: number | bigint): SummedStack => ({ frames: path.split(';'), value: BigInt(value) });

describe('pprof export', () => {
  it('round-trips through pprof-format with the same per-function self values and sample type', () => {
    const stacks = [st('main;a;b', 7), st('main;a', 3), st('main;c;b', 11), st('main;main', 2), st('x', 9_007_199_254_740_000)];
    const type = { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' };
    const gz = encodeProfileGzip(mergedProfile(stacks, type, { fromMs: 1_700_000_000_000, untilMs: 1_700_000_060_000 }));
    const p = Profile.decode(gunzipSync(gz));
    const s = (i: number | bigint) => p.stringTable.strings[Number(i)]!;
    assert.deepEqual(p.sampleType.map((t) => [s(t.type), s(t.unit)]), [['cpu', 'nanoseconds']]);
    assert.deepEqual([s(p.periodType!.type), s(p.periodType!.unit)], ['cpu', 'nanoseconds']);
    assert.equal(BigInt(p.timeNanos), 1_700_000_000_000_000_000n);
    assert.equal(BigInt(p.durationNanos), 60_000_000_000n);
    const fnName = new Map(p.function.map((f) => [Number(f.id), s(f.name)]));
    const locFn = new Map(p.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0]!.functionId))!]));
    const self = new Map<string, bigint>();
    const back: SummedStack[] = [];
    for (const sample of p.sample) {
      const frames = sample.locationId.map((id) => locFn.get(Number(id))!).reverse();
      back.push({ frames, value: BigInt(sample.value[0]!) });
      self.set(frames.at(-1)!, (self.get(frames.at(-1)!) ?? 0n) + BigInt(sample.value[0]!));
    }
    const expected = functionTotals(stacks);
    assert.deepEqual(self, new Map([...expected.values()].filter((r) => r.self !== 0n).map((r) => [r.function, r.self])));
    assert.deepEqual(back, stacks);
  });
});
