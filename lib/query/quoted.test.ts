import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isQuote, QuoteError, readQuoted } from './quoted.ts';

function fails(src: string, start: number, problem: string, at: number): void {
  assert.throws(
    () => readQuoted(src, start),
    (e: unknown) => e instanceof QuoteError && e.problem === problem && e.at === at,
    `${src}: want ${problem} at ${at}`,
  );
}

describe('readQuoted', () => {
  it('returns the value and the index after the closing quote', () => {
    assert.deepEqual(readQuoted('"abc" rest', 0), { value: 'abc', end: 5 });
    assert.deepEqual(readQuoted("x='a\\'b',", 2), { value: "a'b", end: 8 });
    assert.deepEqual(readQuoted('""', 0), { value: '', end: 2 });
  });

  it('raw strings keep backslashes and newlines', () => {
    assert.deepEqual(readQuoted('`a\\nb\nc`', 0), { value: 'a\\nb\nc', end: 8 });
  });

  it('decodes every Go escape', () => {
    assert.equal(readQuoted('"\\a\\b\\f\\n\\r\\t\\v\\\\\\""', 0).value, '\x07\b\f\n\r\t\v\\"');
    assert.equal(readQuoted('"\\101\\x42\\u00e9\\U0001F600\\U0010FFFF"', 0).value, 'ABé😀\u{10FFFF}');
    assert.equal(readQuoted('"\\xe4\\xb8\\xad\\344\\270\\255"', 0).value, '中中');
    assert.equal(readQuoted('"\\ufeffa"', 0).value, '\ufeffa');
    assert.equal(readQuoted('"é😀"', 0).value, 'é😀');
  });

  it('reports the problem and where it is', () => {
    fails('"abc', 0, 'unterminated quoted string', 0);
    fails("x 'a\nb'", 2, 'unterminated quoted string', 2);
    fails('`abc', 0, 'unterminated raw string', 0);
    fails('"a\\', 0, 'escape sequence not terminated', 2);
    fails('"\\x4', 0, 'escape sequence not terminated', 1);
    fails('"\\x4g"', 0, 'illegal character U+0067 "g" in escape sequence', 4);
    fails('"\\\'"', 0, 'unknown escape sequence U+0027 "\'"', 1);
    fails("'\\\"'", 0, 'unknown escape sequence U+0022 "\\""', 1);
    fails('"\\U00110000"', 0, 'escape sequence is an invalid Unicode code point', 1);
    fails('"\\udfff"', 0, 'escape sequence is an invalid Unicode code point', 1);
    fails('"\\777"', 0, 'escape sequence is an invalid Unicode code point', 1);
    fails('"\\xc3"', 0, 'string is not valid UTF-8 after its \\x or octal escapes', 0);
    fails('"a\ud800"', 0, 'invalid UTF-8 rune', 2);
  });

  it('knows the three quote characters', () => {
    assert.deepEqual(['"', "'", '`', 'a', undefined].map(isQuote), [true, true, true, false, false]);
  });
});
