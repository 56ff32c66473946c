import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRe2, Re2SyntaxError } from './re2-parse.ts';

function refuses(pattern: string, message: string, offset?: number): void {
  assert.throws(
    () => parseRe2(pattern),
    (e: unknown) => {
      assert.ok(e instanceof Re2SyntaxError, `expected Re2SyntaxError for ${pattern}, got ${String(e)}`);
      assert.equal(e.message, message, pattern);
      if (offset !== undefined) assert.equal(e.offset, offset, pattern);
      return true;
    },
  );
}

describe('parseRe2 accepts what Go regexp/syntax accepts', () => {
  it('including the forms JS RegExp would refuse or misread', () => {
    for (const p of [
      '', 'a', 'eu-.*', 'a|', '|', '()', '(?:)', '(?)a', '(?i)', '(?i)abc', '(?i:a)b', '(?is-mU:a)', '(?P<n>a)', '(?<n>a)',
      '(?P<1>a)(?P<1>b)', 'a{,3}', '{', 'a{', 'a}', 'x{1}{', 'a{01}', 'a{0}', 'a{2,}', 'a{1000}', '[]a]', '[^]a]', '[a-]',
      '[-a]', '[a-b-c]', '[\\d-z]', '[[:alpha:]]', '[[:^space:]]', '[:alpha:]', '[[:a]', '\\pL', '\\p{Greek}', '\\P{^L}',
      '\\p{Any}', '\\Qa.b\\E', '\\Q\\E', '\\Aa\\z', '\\ba\\B', '\\_', '\\-', '\\ ', '\\x41\\x{1F600}\\101\\0\\a\\f\\t\\n\\r\\v',
      '^*a', 'a(?i)*', '(a*)*', 'a*?', 'a+?', 'a??', 'a{2}?', '(?U)a+', '\\d\\D\\s\\S\\w\\W', '.', '(?s:.)', '(?-s:.)',
    ]) {
      assert.doesNotThrow(() => parseRe2(p), p);
    }
  });

  it('up to 1000 nested groups', () => {
    assert.doesNotThrow(() => parseRe2('('.repeat(1000) + ')'.repeat(1000)));
  });
});

describe('parseRe2 refuses with Go wording and the offending text', () => {
  it('groups', () => {
    refuses('(', 'missing closing ): `(`', 0);
    refuses('a(b', 'missing closing ): `a(b`', 1);
    refuses('a)', 'unexpected ): `a)`', 1);
    refuses('a)|(b', 'unexpected ): `a)|(b`', 1);
    refuses('('.repeat(1001) + ')'.repeat(1001), `expression nests too deeply: \`${'('.repeat(1001)}${')'.repeat(1001)}\``);
  });

  it('Perl syntax RE2 does not have', () => {
    refuses('(?=a)', 'invalid or unsupported Perl syntax (RE2 has no lookahead): `(?=`');
    refuses('(?!a)', 'invalid or unsupported Perl syntax (RE2 has no lookahead): `(?!`');
    refuses('(?<=a)b', 'invalid named capture (RE2 has no lookbehind): `(?<=a)b`');
    refuses('(?<!a)>', 'invalid named capture (RE2 has no lookbehind): `(?<!a)>`');
    refuses('(?P=n)', 'invalid or unsupported Perl syntax: `(?P`');
    refuses('(?i', 'invalid or unsupported Perl syntax: `(?i`');
    refuses('(?x)a', 'invalid or unsupported Perl syntax: `(?x`');
    refuses('(?-)a', 'invalid or unsupported Perl syntax: `(?-)`');
    refuses('(?i-)a', 'invalid or unsupported Perl syntax: `(?i-)`');
    refuses('(?--i)a', 'invalid or unsupported Perl syntax: `(?--`');
    refuses('(?P<>a)', 'invalid named capture: `(?P<>`');
    refuses('(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`');
  });

  it('escapes: no backreferences, no \\C', () => {
    refuses('(a)\\1', 'invalid escape sequence: `\\1`', 3);
    refuses('\\8', 'invalid escape sequence: `\\8`');
    refuses('\\C', 'invalid escape sequence: `\\C`');
    refuses('\\e', 'invalid escape sequence: `\\e`');
    refuses('\\é', 'invalid escape sequence: `\\é`');
    refuses('\\x', 'invalid escape sequence: `\\x`');
    refuses('\\xg1', 'invalid escape sequence: `\\xg1`');
    refuses('\\x{}', 'invalid escape sequence: `\\x{}`');
    refuses('\\x{12', 'invalid escape sequence: `\\x{12`');
    refuses('\\x{110000}', 'invalid escape sequence: `\\x{110000`');
    refuses('a\\', 'trailing backslash at end of expression: `\\`', 1);
    refuses('\\Qabc', 'missing \\E after \\Q: `\\Qabc`');
    refuses('\ud800', 'invalid UTF-8: `\ud800`');
  });

  it('repetition', () => {
    refuses('*a', 'missing argument to repetition operator: `*`');
    refuses('a|*', 'missing argument to repetition operator: `*`');
    refuses('(*)', 'missing argument to repetition operator: `*`');
    refuses('(?i)*', 'missing argument to repetition operator: `*`');
    refuses('a**', 'invalid nested repetition operator: `**`');
    refuses('a*??', 'invalid nested repetition operator: `*??`');
    refuses('a{2}{3}', 'invalid nested repetition operator: `{2}{3}`');
    refuses('a{2,1}', 'invalid repeat count: `{2,1}`');
    refuses('a{1001}', 'invalid repeat count: `{1001}`');
    refuses('a{1000000000}', 'invalid repeat count: `{1000000000}`');
    refuses('a{1,1000000000}', 'invalid repeat count: `{1,1000000000}`');
    refuses('(a{100}){100}', 'invalid repeat count: `{100}`', 8);
    refuses('((a{10}){10}){11}', 'invalid repeat count: `{11}`');
  });

  it('classes', () => {
    refuses('[a', 'missing closing ]: `[a`');
    refuses('[]', 'missing closing ]: `[]`');
    refuses('[[:alpha:', 'missing closing ]: `[[:alpha:`');
    refuses('[^]', 'missing closing ]: `[^]`');
    refuses('[z-a]', 'invalid character class range: `z-a`', 1);
    refuses('[[:foo:]]', 'invalid character class range: `[:foo:]`');
    refuses('[[:constructor:]]', 'invalid character class range: `[:constructor:]`');
    refuses('[a-\\d]', 'invalid escape sequence: `\\d`');
    refuses('[\\b]', 'invalid escape sequence: `\\b`');
    refuses("[]-a]", "range from an unescaped leading ']' (write \\]): `]-a`");
  });

  it('Unicode classes outside what both Go and RE2 know', () => {
    refuses('\\p{Foo}', 'invalid character class range: `\\p{Foo}`');
    refuses('\\p{greek}', 'invalid character class range: `\\p{greek}`');
    refuses('\\p{Grek}', 'invalid character class range: `\\p{Grek}`');
    refuses('\\p{L&}', 'invalid character class range: `\\p{L&}`');
    refuses('\\p{Cn}', 'invalid character class range: `\\p{Cn}`');
    refuses('\\p{ASCII}', 'invalid character class range: `\\p{ASCII}`');
    refuses('\\p{Letter}', 'invalid character class range: `\\p{Letter}`');
    refuses('\\pX', 'invalid character class range: `\\pX`');
    refuses('\\p', 'invalid character class range: `\\p`');
    refuses('\\p{L', 'invalid character class range: `\\p{L`');
  });
});
