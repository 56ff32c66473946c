/** Pure parts of the operator loop: guard rules, frame classification, baseline choice, arrival coverage. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTable } from './diff.ts';
import type { LabelSetFacts } from './fleet.ts';
import { evaluateGuard, parseRules } from './guard.ts';
import { arrivalCoverage } from './kpis.ts';
import { baselineWindow } from './report.ts';
import { isUnsymbolized } from './symbols.ts';

describe('guard rules', () => {
  // Baseline: a 50, b 50 (of 100). Comparison: a 75, b 25.
  const table = diffTable(
    [
      { frames: ['main', 'a'], value: 50n },
      { frames: ['main', 'b'], value: 50n },
    ],
    [
      { frames: ['main', 'a'], value: 75n },
      { frames: ['main', 'b'], value: 25n },
    ],
    'self',
  );

  it('flags a self share rise over the threshold, per function', () => {
    assert.deepEqual(evaluateGuard(table, [{ maxShareIncrease: 0.2 }]), {
      pass: false,
      violations: [{ function: 'a', share: 'self', baseline: 0.5, comparison: 0.75, increase: 0.25, threshold: 0.2 }],
    });
    assert.deepEqual(evaluateGuard(table, [{ maxShareIncrease: 0.25 }]), { pass: true, violations: [] });
    assert.deepEqual(evaluateGuard(table, [{ function: 'b', maxShareIncrease: 0 }]), { pass: true, violations: [] });
  });

  it('checks total (inclusive) shares with maxTotalIncrease', () => {
    assert.equal(evaluateGuard(table, [{ function: 'main', maxTotalIncrease: 0 }]).pass, true);
    assert.deepEqual(evaluateGuard(table, [{ function: 'a', maxTotalIncrease: 0.1 }]).violations.map((v) => [v.function, v.share, v.increase]), [['a', 'total', 0.25]]);
  });

  it('refuses rules without a threshold, naming the rule', () => {
    assert.throws(() => parseRules([{ function: 'a' }]), { code: 'bad_request', message: 'rules[0] needs maxShareIncrease or maxTotalIncrease' });
    assert.throws(() => parseRules([]), { code: 'bad_request' });
  });
});

describe('unsymbolized frames', () => {
  it('matches the names the profile model gives unsymbolized locations, and nothing else', () => {
    for (const f of ['0x4f2a', 'libc.so.6+0x1a2b', '[unknown]', 'libc.so [unknown]']) assert.equal(isUnsymbolized(f), true, f);
    for (const f of ['main', 'crypto/sha256.block', 'std::vector<int>::push_back', 'a+b', '0xzz']) assert.equal(isUnsymbolized(f), false, f);
  });
});

describe('report baseline', () => {
  const req = { tenant: 't', service: 's', profileTypeId: 'x', fromMs: 10_000, untilMs: 20_000, limit: 5, nowMs: 0 };
  it('defaults to the window just before, keeping the version', () => {
    assert.deepEqual(baselineWindow({ ...req, version: 'v2' }), { fromMs: 0, untilMs: 10_000, version: 'v2' });
  });
  it('compares versions over the same window', () => {
    assert.deepEqual(baselineWindow({ ...req, version: 'v2', baselineVersion: 'v1' }), { fromMs: 10_000, untilMs: 20_000, version: 'v1' });
  });
  it('takes an explicit baseline start with the window length', () => {
    assert.deepEqual(baselineWindow({ ...req, baselineFromMs: 50_000 }), { fromMs: 50_000, untilMs: 60_000, version: undefined });
  });
});

describe('arrival coverage', () => {
  it('expects one profile per interval over each pod\'s own span', () => {
    const sets: LabelSetFacts[] = [
      { service: 's', labels: { pod: 'a' }, buckets: [0, 10, 20] },
      { service: 's', labels: { pod: 'a', version: 'v2' }, buckets: [20, 30] },
      { service: 's', labels: {}, buckets: [0, 40] },
    ];
    assert.deepEqual(arrivalCoverage(sets, 10), { pods: 2, received: 6, expected: 9, ratio: 6 / 9, intervalSeconds: 10 });
  });
});
