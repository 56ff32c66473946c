import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../../lib/errors.ts';
import { pushSeriesLabels } from './push-labels.ts';

test('Push labels: dotted names kept, service_name defaulted, consumed __ labels removed, godeltaprof renamed', () => {
  assert.deepEqual(
    pushSeriesLabels([
      { name: '__name__', value: 'godeltaprof_memory' },
      { name: 'otel.scope.name', value: 'x' },
      { name: '__delta__', value: 'false' },
      { name: '__session_id__', value: 'abc' },
      { name: 'service_name', value: '' },
    ]),
    { __name__: 'memory', __name_replaced__: 'godeltaprof_memory', 'otel.scope.name': 'x', service_name: 'unknown_service' },
  );
});

test('Push labels: missing __name__, duplicate and empty names are refused with Pyroscope wording', () => {
  const refused = (pairs: { name: string; value: string }[], message: string) =>
    assert.throws(() => pushSeriesLabels(pairs), (e: unknown) => e instanceof HotpathError && e.status === 400 && e.message === message);
  refused([{ name: 'service_name', value: 's' }], `invalid labels '{service_name="s"}' with error: invalid metric name`);
  refused(
    [
      { name: '__name__', value: 'p' },
      { name: 'a', value: '1' },
      { name: 'a', value: '2' },
    ],
    `profile with labels '{__name__="p", a="1", a="2"}' has duplicate label name: 'a'`,
  );
  refused([{ name: '', value: 'v' }], `invalid labels '{="v"}' with error: empty label name`);
});
