import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../../../lib/errors.ts';
import { parseSampleRate, profileTypeFromAppName } from './app-name-type.ts';

const id = (t: ReturnType<typeof profileTypeFromAppName>) => `${t.name}:${t.sampleType}:${t.sampleUnit}:${t.periodType}:${t.periodUnit}`;

test('suffix → profile type, as Pyroscope maps it (compat-details §1.6)', () => {
  const cases: [string, string, number][] = [
    ['app', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', 10_000_000],
    ['app.cpu', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', 10_000_000],
    ['app.itimer', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', 10_000_000],
    ['app.wall', 'wall:wall:nanoseconds:cpu:nanoseconds', 10_000_000],
    ['app.milliseconds', 'wall:wall:nanoseconds:cpu:nanoseconds', 10_000_000],
    ['app.inuse_space', 'memory:inuse_space:bytes::', 1],
    ['app.alloc_objects', 'memory:alloc_objects:count::', 1],
    ['app.goroutines', 'goroutine:goroutines:count::', 1],
    ['app.mutex_duration', 'mutex:delay:nanoseconds::', 1],
    ['app.lock_count', 'block:contentions:count::', 1],
    ['app.alloc_in_new_tlab_bytes', 'memory:alloc_in_new_tlab_bytes:bytes::', 1],
    ['app.live', 'memory:live:count::', 1],
    ['app.exceptions', 'exceptions:samples:count::', 1],
    ['app.bytes', 'memory:samples:bytes::', 1],
  ];
  for (const [name, want, mult] of cases) {
    const t = profileTypeFromAppName(name, 100);
    assert.equal(id(t), want, name);
    assert.equal(t.multiplier, mult, name);
    assert.equal(t.app, 'app', name);
  }
  assert.equal(profileTypeFromAppName('my.dotted.app.cpu', 100).app, 'my.dotted.app');
});

test('sampleRate: period = floor(1e9 / rate); 0 keeps sample counts', () => {
  assert.equal(profileTypeFromAppName('a.cpu', 19).multiplier, 52_631_578);
  const counts = profileTypeFromAppName('a.cpu', 0);
  assert.equal(id(counts), 'process_cpu:samples:count::');
  assert.equal(counts.multiplier, 1);
  assert.equal(parseSampleRate(undefined), 100);
  assert.equal(parseSampleRate('-5'), 100);
  assert.equal(parseSampleRate('1.5'), 100);
  assert.equal(parseSampleRate('97'), 97);
  assert.equal(parseSampleRate('0'), 0);
});

test('a dotted name with an unknown last part is refused, naming it', () => {
  assert.throws(
    () => profileTypeFromAppName('my.app', 100),
    (e: unknown) => e instanceof HotpathError && e.status === 400 && e.message.startsWith('name: unknown profile type "app" (the last "."-separated part of "my.app"); use one of: cpu, itimer,'),
  );
  assert.throws(() => profileTypeFromAppName('.cpu', 100), /name: service name is required before the ".cpu" profile type suffix/);
});
