import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRe2, MAX_PROGRAM } from './re2-match.ts';
import { Re2SyntaxError } from './re2-parse.ts';

/** [pattern, value, whole value matches?] — expectations are Go regexp's `^(?s:pattern)$`. */
const CASES: [string, string, boolean][] = [
  // anchoring
  ['eu-.*', 'eu-west', true],
  ['eu-.*', 'xeu-west', false],
  ['eu-.*', 'eu-west\n', true],
  ['a|b', 'ab', false],
  ['a|b', 'b', true],
  ['a|', '', true],
  ['', '', true],
  ['', 'a', false],
  // repetition
  ['a{2,3}', 'a', false],
  ['a{2,3}', 'aaa', true],
  ['a{2,3}', 'aaaa', false],
  ['a{2,}', 'aaaaa', true],
  ['a{0}', '', true],
  ['a+', '', false],
  ['(a*)*', 'aaa', true],
  ['(a|ab)(c|bcd)(d*)', 'abcd', true],
  ['a*?b', 'aab', true],
  // `{` that is not a repetition is a literal
  ['a{,3}', 'a{,3}', true],
  ['a{01}', 'a{01}', true],
  ['x{1}{', 'x{', true],
  // dot, newlines, flags
  ['a.b', 'a\nb', true],
  ['(?-s)a.b', 'a\nb', false],
  ['(?-s:a.)b', 'a\nb', false],
  ['.', '😀', true],
  ['..', '😀', false],
  ['(?i)checkout', 'CheckOut', true],
  ['(?i:a)a', 'AA', false],
  ['(?i:a)a', 'Aa', true],
  ['a(?i)b|c', 'C', true],
  ['(a)(?i)b', 'aB', true],
  ['(?i)(?-i)A', 'a', false],
  ['(?i)k', '\u212a', true],
  ['(?i)s', '\u017f', true],
  ['(?i)σ', 'ς', true],
  ['(?i)straße', 'STRASSE', false],
  ['(?U)a+', 'aa', true],
  // anchors inside the pattern
  ['^a$', 'a', true],
  ['a$\\n^b', 'a\nb', false],
  ['(?m)a$\\n^b', 'a\nb', true],
  ['\\Aa\\z', 'a', true],
  ['a\\b', 'a', true],
  ['a\\bb', 'ab', false],
  ['a\\Bb', 'ab', true],
  ['^*a', 'a', true],
  // classes: RE2's ASCII \s \d \w, POSIX, Unicode
  ['\\s', ' ', true],
  ['\\s', '\v', false],
  ['[[:space:]]', '\v', true],
  ['\\s', '\u00a0', false],
  ['\\d+', '0123456789', true],
  ['\\d', '٣', false],
  ['\\w', 'é', false],
  ['\\pL', 'é', true],
  ['\\p{Greek}+', 'ααα', true],
  ['\\PL', 'a', false],
  ['\\p{^L}', '1', true],
  ['\\pC', '\u0378', false],
  ['[^a]', '\n', true],
  ['[]a]+', ']a', true],
  ['[a-]+', 'a-', true],
  ['[a-b-c]+', 'ab-c', true],
  ['[\\d-z]+', '1-z', true],
  ['[[:^alpha:]]', '1', true],
  ['[[:alpha:]]', '1', false],
  ['[[:word:]]+', 'a_1', true],
  ['[:alpha:]', 'a', true],
  ['(?i)\\W', '\u017f', false],
  ['(?i)[^\\W]', '\u017f', true],
  ['(?i)[^k]', 'K', false],
  // escapes
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['a\\Q\\E*', 'aaa', true],
  ['\\x41\\x{1F600}\\101\\0', 'A😀A\0', true],
  ['\\012', '\n', true],
  ['\\.', '.', true],
  ['\\ ', ' ', true],
];

describe('compileRe2 matching', () => {
  for (const [pattern, value, want] of CASES) {
    it(`${JSON.stringify(pattern)} on ${JSON.stringify(value)} → ${want}`, () => {
      assert.equal(compileRe2(pattern).test(value), want);
    });
  }

  it('keeps the source', () => {
    assert.equal(compileRe2('a|b').source, 'a|b');
  });

  it('is linear on patterns that make backtracking engines explode', () => {
    const value = 'a'.repeat(2048);
    const t0 = performance.now();
    for (const p of ['(a|a)*b', '(a*)*b', '(a+)+b', '(.*a){20}b', '(?:a?){50}a{50}b']) {
      assert.equal(compileRe2(p).test(value), false, p);
    }
    assert.ok(performance.now() - t0 < 3000, 'took too long');
  });

  it(`refuses programs over ${MAX_PROGRAM} steps`, () => {
    assert.throws(
      () => compileRe2('[a-z]{1000}'.repeat(11)),
      (e: unknown) => e instanceof Re2SyntaxError && e.message.startsWith(`expression too large (over ${MAX_PROGRAM} steps)`),
    );
    assert.doesNotThrow(() => compileRe2('[a-z]{1000}'.repeat(9)));
  });
});
