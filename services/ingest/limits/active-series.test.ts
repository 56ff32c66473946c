import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../../../lib/errors.ts';
import { ActiveSeries } from './active-series.ts';

test('active series: new series beyond the limit are refused (429 series_limit), known ones pass, old ones expire', () => {
  let now = 0;
  const s = new ActiveSeries(() => now);
  s.check('t', ['a', 'b'], 3, 60);
  s.touch('t', ['a', 'b']);
  now = 10_000;
  s.check('t', ['c'], 3, 60);
  s.touch('t', ['c']);
  s.check('t', ['a', 'b', 'c'], 3, 60);
  assert.equal(s.size('t'), 3);
  let err: unknown;
  try {
    s.check('t', ['a', 'd'], 3, 60);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof HotpathError);
  assert.deepEqual([err.status, err.code, err.reason, err.retryAfter], [429, 'rate_limited', 'series_limit', 50]);
  assert.equal(err.message, 'tenant "t" has 3 active series; 1 new would exceed the limit of 3 (series stay active 60 s after their last profile)');
  s.check('u', ['d'], 3, 60);
  // a and b were last seen at 0: at 60 s they are no longer active.
  now = 60_000;
  s.check('t', ['d', 'e'], 3, 60);
  assert.equal(s.size('t'), 1);
});
