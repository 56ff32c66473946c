import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HotpathError } from '../errors.ts';
import { parseIngestTime, parseQueryTime, parseRange } from './parse-time.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0); // 2026-01-15T12:00:00Z
const H = 3600e3;

/** Asserts a HotpathError with `code` whose message contains every `needle` (the offending input). */
function throwsCode(fn: () => unknown, code: string, ...needles: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HotpathError, `expected HotpathError, got ${String(e)}`);
    assert.equal(e.code, code);
    for (const n of needles) assert.ok(e.message.includes(n), `message ${JSON.stringify(e.message)} lacks ${n}`);
    return true;
  });
}

describe('parseQueryTime', () => {
  const q = (v: string | undefined) => parseQueryTime(v, NOW, 'now-1h');

  it('reads unix seconds (up to 12 digits)', () => {
    assert.equal(q('1700000000'), 1700000000000);
    assert.equal(q('0'), 0);
    assert.equal(q('86400'), 86400000);
  });

  it('reads 13-digit unix milliseconds', () => {
    assert.equal(q('1700000000123'), 1700000000123);
  });

  it('reads 16-digit microseconds and 19-digit nanoseconds, truncating to ms', () => {
    assert.equal(q('1700000000123999'), 1700000000123);
    assert.equal(q('1700000000123999999'), 1700000000123);
  });

  it('refuses ambiguous digit counts, signs and fractions', () => {
    throwsCode(() => q('17000000001234'), 'invalid_time_range', '"17000000001234"', '14 digits');
    throwsCode(() => q('170000000012345'), 'invalid_time_range', '"170000000012345"');
    throwsCode(() => q('17000000001234567890'), 'invalid_time_range', '"17000000001234567890"');
    throwsCode(() => q('-5'), 'invalid_time_range', '"-5"');
    throwsCode(() => q('1700000000.5'), 'invalid_time_range', '"1700000000.5"');
  });

  it('reads RFC 3339 with Z, offsets and fractional seconds', () => {
    assert.equal(q('2026-01-15T10:00:00Z'), Date.UTC(2026, 0, 15, 10));
    assert.equal(q('2026-01-15T12:00:00+02:00'), Date.UTC(2026, 0, 15, 10));
    assert.equal(q('2026-01-15T08:30:00-01:30'), Date.UTC(2026, 0, 15, 10));
    assert.equal(q('2026-01-15t10:00:00.5z'), Date.UTC(2026, 0, 15, 10, 0, 0, 500));
    assert.equal(q('2026-01-15T10:00:00.123456789Z'), Date.UTC(2026, 0, 15, 10, 0, 0, 123));
    assert.equal(q('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
    assert.equal(q('0099-01-01T00:00:00Z'), Date.parse('0099-01-01T00:00:00Z'));
  });

  it('refuses RFC 3339 that is out of range or lacks an offset', () => {
    throwsCode(() => q('2026-02-29T00:00:00Z'), 'invalid_time_range', '"2026-02-29T00:00:00Z"', 'day');
    throwsCode(() => q('2026-13-01T00:00:00Z'), 'invalid_time_range', 'month');
    throwsCode(() => q('2026-01-15T24:00:00Z'), 'invalid_time_range', 'time of day');
    throwsCode(() => q('2026-01-15T23:59:60Z'), 'invalid_time_range', 'time of day');
    throwsCode(() => q('2026-01-15T10:00:00+24:00'), 'invalid_time_range', 'offset');
    throwsCode(() => q('2026-01-15T10:00:00'), 'invalid_time_range', '"2026-01-15T10:00:00"');
    throwsCode(() => q('2026-01-15'), 'invalid_time_range', '"2026-01-15"');
  });

  it("explains a '+' offset that URL decoding turned into a space", () => {
    throwsCode(() => q('2026-01-15T12:00:00 02:00'), 'invalid_time_range', '"2026-01-15T12:00:00 02:00"', '%2B');
  });

  it('reads now and now±<n><unit>', () => {
    assert.equal(q('now'), NOW);
    assert.equal(q('now-15m'), NOW - 15 * 60e3);
    assert.equal(q('now-1h'), NOW - H);
    assert.equal(q('now-7d'), NOW - 7 * 24 * H);
    assert.equal(q('now-2w'), NOW - 14 * 24 * H);
    assert.equal(q('now-30s'), NOW - 30e3);
    assert.equal(q('now+5m'), NOW + 5 * 60e3);
    assert.equal(q('  now-1h  '), NOW - H);
  });

  it('refuses other relative forms and garbage', () => {
    for (const bad of ['now-1h30m', 'now - 1h', 'NOW', 'now-1y', 'now-1M', 'now-h', 'now-', 'yesterday', 'abc', 'now-1.5h']) {
      throwsCode(() => q(bad), 'invalid_time_range', JSON.stringify(bad));
    }
    throwsCode(() => q('now-999999999999999999w'), 'invalid_time_range', 'range');
  });

  it('uses the fallback for absent or blank values', () => {
    assert.equal(q(undefined), NOW - H);
    assert.equal(q(''), NOW - H);
    assert.equal(q('   '), NOW - H);
    assert.equal(parseQueryTime(undefined, NOW, 'now'), NOW);
  });
});

describe('parseRange', () => {
  it('defaults to the last hour', () => {
    assert.deepEqual(parseRange(undefined, undefined, NOW), { fromMs: NOW - H, untilMs: NOW });
    assert.deepEqual(parseRange('', '', NOW), { fromMs: NOW - H, untilMs: NOW });
  });

  it('mixes forms', () => {
    assert.deepEqual(parseRange('1768471200', '2026-01-15T11:00:00Z', NOW), {
      fromMs: 1768471200000,
      untilMs: Date.UTC(2026, 0, 15, 11),
    });
  });

  it('refuses from >= until, naming both', () => {
    throwsCode(() => parseRange('now', 'now-1h', NOW), 'invalid_time_range', '"now"', '"now-1h"');
    throwsCode(() => parseRange('1700000000', '1700000000000', NOW), 'invalid_time_range', '"1700000000"', '"1700000000000"');
    throwsCode(() => parseRange('now+1h', undefined, NOW), 'invalid_time_range', '"now+1h"', '"now"');
  });

  it('names a bad bound', () => {
    throwsCode(() => parseRange('garbage', undefined, NOW), 'invalid_time_range', '"garbage"');
    throwsCode(() => parseRange(undefined, 'later', NOW), 'invalid_time_range', '"later"');
  });
});

describe('parseIngestTime (Pyroscope attime)', () => {
  const p = (v: string | undefined) => parseIngestTime(v, NOW);

  it('empty or absent is now', () => {
    assert.equal(p(undefined), NOW);
    assert.equal(p(''), NOW);
    assert.equal(p('   '), NOW);
  });

  it('reads unix time by digit count: 19 ns (pyroscope-go), 16 µs, 13 ms, other seconds', () => {
    assert.equal(p('1795592891123456789'), 1795592891123);
    assert.equal(p('1795592891123456'), 1795592891123);
    assert.equal(p('1795592891123'), 1795592891123);
    assert.equal(p('1795592891'), 1795592891000); // @pyroscope/nodejs
    assert.equal(p('17955928911'), 17955928911000); // 11 digits: still seconds
    assert.equal(p('0'), 0);
  });

  it('reads 8 digits forming a valid YYYYMMDD after 1900 as that UTC midnight, else as seconds', () => {
    assert.equal(p('20260115'), Date.UTC(2026, 0, 15));
    assert.equal(p('20240229'), Date.UTC(2024, 1, 29));
    assert.equal(p('20230229'), 20230229000);
    assert.equal(p('20261301'), 20261301000);
    assert.equal(p('19000101'), 19000101000);
    assert.equal(p('00000000'), 0);
  });

  it('strips _ , and spaces first', () => {
    assert.equal(p('1_795_592_891'), 1795592891000);
    assert.equal(p('1,795,592,891'), 1795592891000);
    assert.equal(p(' now - 1h '), NOW - H);
  });

  it('reads now with one offset, units by prefix', () => {
    assert.equal(p('now'), NOW);
    assert.equal(p('now-1h'), NOW - H);
    assert.equal(p('now-15m'), NOW - 15 * 60e3);
    assert.equal(p('now-15min'), NOW - 15 * 60e3);
    assert.equal(p('now-10s'), NOW - 10e3);
    assert.equal(p('now-2d'), NOW - 48 * H);
    assert.equal(p('now-1w'), NOW - 7 * 24 * H);
    assert.equal(p('now-1mon'), NOW - 30 * 24 * H);
    assert.equal(p('now-1M'), NOW - 30 * 24 * H);
    assert.equal(p('now-1y'), NOW - 365 * 24 * H);
    assert.equal(p('now+1h'), NOW + H);
    assert.equal(p('now-1hour'), NOW - H);
  });

  it('keeps attime quirks: one digit group only, unknown units count 0, any reference is now', () => {
    assert.equal(p('now-1h30m'), NOW - H); // the unit is "h30m": prefix h
    assert.equal(p('now-1ms'), NOW - 60e3); // "ms" has prefix m: minutes
    assert.equal(p('now-5'), NOW);
    assert.equal(p('now-1S'), NOW); // case-sensitive
    assert.equal(p('abc'), NOW);
    assert.equal(p('abc-1h'), NOW - H);
    assert.equal(p('now-1d+2h'), NOW + 2 * H); // the first '+' wins over the first '-'
    assert.equal(p('2026-01-15'), NOW); // not digits: ref "2026", offset "-01" with unit "-15" → 0
  });

  it('saturates like Go and refuses results outside the representable range', () => {
    assert.equal(p('9999999999999999999'), 9223372036854); // > MaxInt64 ns saturates (2262-04-11)
    throwsCode(() => p('99999999999999999999'), 'invalid_time_range', '"99999999999999999999"');
    throwsCode(() => p('99999999999999'), 'invalid_time_range', '"99999999999999"'); // 14 digits = seconds
    throwsCode(() => p('now-99999999999y'), 'invalid_time_range', '"now-99999999999y"');
  });
});
