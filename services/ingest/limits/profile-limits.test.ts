import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../lib/config/index.ts';
import { refusal } from '../../../test/helpers/refusal.ts';
import { encodeForBus } from '../../../lib/bus/encoded-profile.ts';
import { checkProfile, checkProfileTime, checkSeriesLabels } from './profile-limits.ts';

const profile = (stacks: number, labels: Record<string, string> = { service_name: 'svc', __name__: 'process_cpu' }) =>
  encodeForBus({
  tenant: 't',
  type: { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' },
  labels,
  fingerprint: '1',
  timeMs: Date.now(),
  durationNanos: 0,
  stacks: Array.from({ length: stacks }, (_, i) => ({ id: String(i), frames: [`f${i}`], value: 1 })),
  });

test('samples per profile: at the limit passes, one more is 400 too_many_samples', () => {
  const limits = { ...DEFAULT_LIMITS, maxSamplesPerProfile: 3 };
  checkProfile(profile(3), limits);
  const e = refusal(() => checkProfile(profile(4), limits));
  assert.equal(e.status, 400);
  assert.equal(e.code, 'too_many_samples');
  assert.equal(e.reason, 'too_many_samples');
  assert.equal(e.message, 'profile process_cpu:cpu:nanoseconds:cpu:nanoseconds has 4 distinct stacks, more than the limit of 3 samples per profile');
});

test('label names per series', () => {
  const limits = { ...DEFAULT_LIMITS, maxLabelNames: 3 };
  checkSeriesLabels({ service_name: 's', a: '1', b: '2' }, limits);
  const e = refusal(() => checkSeriesLabels({ service_name: 's', a: '1', b: '2', c: '3' }, limits));
  assert.equal(e.status, 400);
  assert.equal(e.code, 'bad_request');
  assert.equal(e.reason, 'too_many_labels');
  assert.equal(e.message, 'series has 4 label names, more than the limit of 3 (service "s")');
});

test('label name and value length, and valid names', () => {
  const limits = { ...DEFAULT_LIMITS, maxLabelNameLength: 5, maxLabelValueLength: 4 };
  checkSeriesLabels({ abcde: 'wxyz' }, limits);
  const name = refusal(() => checkSeriesLabels({ abcdef: 'x' }, limits));
  assert.deepEqual([name.status, name.code, name.reason], [400, 'bad_request', 'label_name_too_long']);
  assert.equal(name.message, 'label name "abcdef" is 6 characters long, more than the limit of 5');
  const value = refusal(() => checkSeriesLabels({ pod: 'vwxyz' }, limits));
  assert.deepEqual([value.status, value.code, value.reason], [400, 'bad_request', 'label_value_too_long']);
  assert.equal(value.message, 'value of label "pod" is 5 characters long, more than the limit of 4');
  const long = refusal(() => checkSeriesLabels({ pod: 'v'.repeat(100_000) }, { ...limits, maxLabelValueLength: 10 }));
  assert.ok(long.message.length < 200, 'a huge value is not echoed back whole');
  for (const bad of ['1abc', 'a-b', 'a..b', '.a', 'a.', 'zone ', 'é']) {
    const e = refusal(() => checkSeriesLabels({ [bad]: 'x' }, DEFAULT_LIMITS));
    assert.deepEqual([e.status, e.code, e.reason], [400, 'bad_request', 'invalid_label_name'], bad);
    assert.ok(e.message.startsWith(`label name ${JSON.stringify(bad)} is invalid`), e.message);
  }
  checkSeriesLabels({ 'service.name': 'x', __name__: 'cpu', _x9: 'y' }, DEFAULT_LIMITS);
});

test('ingestion window: older than rejectOlderThanSeconds is too_old, further ahead than rejectNewerThanSeconds is too_new', () => {
  const limits = { ...DEFAULT_LIMITS, rejectOlderThanSeconds: 3600, rejectNewerThanSeconds: 600 };
  const now = Date.parse('2026-01-01T12:00:00Z');
  const at = (timeMs: number) => ({ ...profile(1), timeMs });
  checkProfileTime(at(now - 3600_000), limits, now);
  checkProfileTime(at(now + 600_000), limits, now);
  const old = refusal(() => checkProfileTime(at(now - 3600_001), limits, now));
  assert.deepEqual([old.status, old.code, old.reason, old.message], [400, 'invalid_profile', 'too_old', 'profile time 2026-01-01T10:59:59.999Z is older than the ingestion window of 3600 s']);
  const future = refusal(() => checkProfileTime(at(now + 600_001), limits, now));
  assert.equal(future.reason, 'too_new');
  assert.equal(future.message, 'profile time 2026-01-01T12:10:00.001Z is more than 600 s in the future');
  checkProfileTime(at(0), { ...limits, rejectOlderThanSeconds: 0 }, now);
});
