import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HotpathError } from '../../lib/errors.ts';
import { connectMatchers, connectProfileType, connectRange, int64 } from './querier-routes.ts';
import { pointInterval, renderMaxNodes, renderRange, renderUnits, timelineOf } from './render-routes.ts';

const limits = { maxNodes: 100_000, maxRangeSeconds: 0, timeoutMs: 1000 };
const type = (id: string) => {
  const [name = '', sampleType = '', sampleUnit = '', periodType = '', periodUnit = ''] = id.split(':');
  return { id, name, sampleType, sampleUnit, periodType, periodUnit };
};

describe('legacy render helpers', () => {
  it('reads maxNodes / max-nodes as Pyroscope does', () => {
    assert.equal(renderMaxNodes({}, limits), 8192);
    assert.equal(renderMaxNodes({ maxNodes: 'x', 'max-nodes': '12' }, limits), 12);
    assert.equal(renderMaxNodes({ maxNodes: '7', 'max-nodes': '12' }, limits), 7);
    assert.equal(renderMaxNodes({ maxNodes: '0' }, limits), 8192);
  });

  it('rounds the timeline step up through the table, at least 15 s', () => {
    assert.equal(pointInterval(0, 3_600_000), 15);
    assert.equal(pointInterval(0, 86_400_000), 60);
    assert.equal(pointInterval(0, 7 * 86_400_000), 600);
  });

  it('zero-fills the timeline from the step-floored start and drops points outside', () => {
    const series = { labels: {}, total: 0n, points: [{ timestampMs: 60_000, value: 5n }, { timestampMs: 120_000, value: 7n }, { timestampMs: 600_000, value: 1n }] };
    assert.deepEqual(timelineOf(series, 61_000, 241_000, 60), { startTime: 60, samples: [5, 7, 0], durationDelta: 60, watermarks: null });
  });

  it('names units as Pyroscope UI expects', () => {
    assert.deepEqual(renderUnits(type('process_cpu:cpu:nanoseconds:cpu:nanoseconds')), { units: 'samples', sampleRate: 1_000_000_000 });
    assert.deepEqual(renderUnits(type('memory:alloc_objects:count:space:bytes')), { units: 'objects', sampleRate: 100 });
    assert.deepEqual(renderUnits(type('memory:alloc_space:bytes:space:bytes')), { units: 'bytes', sampleRate: 100 });
  });

  it('reads attime ranges and refuses reversed ones', () => {
    assert.deepEqual(renderRange('1700000000', '1700000060'), { fromMs: 1_700_000_000_000, untilMs: 1_700_000_060_000 });
    assert.throws(() => renderRange('1700000060', '1700000000'), (e: HotpathError) => e.code === 'invalid_time_range');
  });
});

describe('Connect request helpers', () => {
  it('reads int64 in every form protobufjs and JSON hand over', () => {
    assert.equal(int64('-5'), -5n);
    assert.equal(int64(7), 7n);
    assert.equal(int64({ low: -1, high: 0x7fffffff, unsigned: false }), 9223372036854775807n);
    assert.equal(int64(undefined), 0n);
    assert.throws(() => int64('1.5'), (e: HotpathError) => e.code === 'bad_request');
  });

  it('requires a range except where 0/0 means the last hour; refuses start after end', () => {
    assert.deepEqual(connectRange('0', '0', false, 10_000_000), { fromMs: 6_400_000, untilMs: 10_000_000 });
    assert.throws(() => connectRange(0, 0, true), (e: HotpathError) => e.code === 'invalid_time_range' && /missing time range/.test(e.message));
    assert.throws(() => connectRange('20', '10', true), (e: HotpathError) => e.message === 'query start time is after end time: start 20 > end 10');
  });

  it('accepts 5- or 6-part profile type ids and refuses others with invalid_selector', () => {
    assert.equal(connectProfileType('a:b:c:d:e:delta'), 'a:b:c:d:e');
    assert.throws(() => connectProfileType('a:b'), (e: HotpathError) => e.code === 'invalid_selector');
    assert.throws(() => connectProfileType(''), (e: HotpathError) => e.code === 'invalid_selector' && /profile_typeID is required/.test(e.message));
  });

  it('ANDs several selectors and lifts __profile_type__ out of them', () => {
    assert.deepEqual(connectMatchers(['{__profile_type__="a:b:c:d:e", service_name="x"}', '{zone!="z"}']), {
      profileTypeId: 'a:b:c:d:e',
      matchers: [
        { name: 'service_name', op: '=', value: 'x' },
        { name: 'zone', op: '!=', value: 'z' },
      ],
    });
  });
});
