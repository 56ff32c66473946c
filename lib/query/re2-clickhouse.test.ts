/**
 * Differential test: in-app matching (`matches`) must agree with ClickHouse's `match()` on the pattern from
 * `toClickHouseRegex`, since the query service filters in both places. Runs the embedded engine (chdb, a project
 * dependency) with the pattern and values bound as query parameters, the way the store binds them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { queryBind } from 'chdb';
import { HotpathError } from '../errors.ts';
import { matches, toClickHouseRegex } from './selector.ts';
import type { Matcher } from './selector.ts';

function clickhouse(pattern: string, values: string[]): boolean[] {
  const out = queryBind('SELECT arrayMap(v -> match(v, {p:String}), {vs:Array(String)}) AS r', { p: pattern, vs: values }, 'JSONEachRow');
  return (JSON.parse(out) as { r: number[] }).r.map((x) => x === 1);
}

function clickhouseRefuses(pattern: string): boolean {
  try {
    clickhouse(pattern, ['']);
    return false;
  } catch {
    return true;
  }
}

const PATTERNS = [
  'eu-.*', 'a|b|', '(a|b)*c', '(?i)straße', '(?i)ǅ', '(?i)[k]', '(?i)k', '(?i)[^k]', '(?i)\\w+', '(?i)\\W', '(?i)[\\W]',
  '(?i)[^\\W]', '\\s', '\\S', '[[:space:]]', '[^[:space:]]', '[[:^alpha:]]', '\\d+', '\\D', '[\\d-z]+', '[a-]', '[-a]',
  '[]a]', '[^]a]', 'a{,3}', 'a{2}', 'a{2,}', 'a{0}', 'a{0,2}', 'x{1}{', '{', '}', 'a{01}', '\\Qa.b\\E', 'a\\Q\\E*',
  '(?m)^a$', '(?m)a$\\n^b', 'a$\\n^b', '(?s:.)', '(?-s:.)', '(?-s).+', '(?U)a+?', '\\Aa\\z', '\\ba\\b', 'a\\b', '\\B', '^*a',
  '(?:a|)*', '()*', '(a*)*', '(a*)+b', '\\pL', '\\PL', '\\p{^L}', '\\P{^L}', '\\pN', '\\p{Lu}', '(?i)\\p{Lu}',
  '(?i)\\P{Lu}', '\\pC', '\\p{Greek}+', '\\p{Han}', '\\p{Latin}', '\\p{Cyrillic}', '\\p{Any}', '[\\p{Greek}\\d]',
  '[^\\p{Greek}\\d]', '\\x41', '\\x{1F600}', '\\101', '\\0', '\\012', '\\_', '\\-', '\\ ', '\\.', '[\\.]', '[\\]]', '[\\-]',
  '\\a\\f\\t\\n\\r\\v', '(?i)(?-i)A', '(?i:a)a', '(a)(?i)b', 'a(?i)*', '(?P<n>a)', '(?<n>a)', '(?P<1>a)', '(?)a', '(?i)é',
  '(?i)É', '.', '..', '[^a]', '\\x{10FFFF}', '[\\x{10000}-\\x{10FFFF}]', '(?i)[a-c]', '(?i)[^a-c]', '(?i)ſ', '(?i)K',
  '[[:word:]]+', '[[:punct:]]+', '[[:xdigit:]]+', '[[:print:]]+', '[[:graph:]]', '[[:cntrl:]]', '[[:blank:]]', '[:alpha:]',
  'ab|cd', 'a+?b', '(?i)Σ', '(?i)ς', '(a|ab)(c|bcd)(d*)', '(.*a){3}b',
];

const VALUES = [
  '', 'a', 'A', 'b', 'c', 'aa', 'aaa', 'aaaa', 'eu-west', 'xeu-west', 'eu-west\n', 'ab', 'abc', 'abcd', 'a.b', 'axb', '\n',
  'a\nb', 'a\n', ' ', '\t', '\v', '\f', '\r', 'k', 'K', '\u212a', '\u017f', 's', 'S', 'ß', 'straße', 'STRASSE', 'ǅ', 'ǆ',
  'Ǆ', 'é', 'É', '1', '12', '٣', '-', '_', '.', ']', '{', '}', 'x{1}{', 'x{', 'a{,3}', 'a{01}', 'ααα', 'α', '中', 'Я', '😀',
  '\u{10FFFF}', '\u{10000}', '\0', '\u00ad', '\u0378', '\u00a0', '\u0007\f\t\n\r\v', 'σ', 'Σ', 'ς', '\n\n', 'ab cd', 'cd',
  'a ', 'ab!', '!@#', 'aab', 'aaab', 'aaaab', 'z', 'a-z', '9-z', 'A😀A\0',
];

describe('matches agrees with ClickHouse match() on toClickHouseRegex', () => {
  it(`${PATTERNS.length} patterns × ${VALUES.length} values`, () => {
    const disagreements: string[] = [];
    for (const value of PATTERNS) {
      const m: Matcher = { name: 'l', op: '=~', value };
      const sql = clickhouse(toClickHouseRegex(m), VALUES);
      VALUES.forEach((v, k) => {
        if (matches(m, v) !== sql[k]) disagreements.push(`${JSON.stringify(value)} on ${JSON.stringify(v)}: app ${!sql[k]}, ClickHouse ${sql[k]}`);
      });
    }
    assert.deepEqual(disagreements, []);
  });

  it('quoted equality values match only themselves', () => {
    const tricky = ['a.b', 'a(b)*', '\\', '^$', '[x]', 'x\0y', 'é😀', 'a\nb', '{1}', '\\E\\Q', '|', '?'];
    for (const value of tricky) {
      const sql = clickhouse(toClickHouseRegex({ name: 'l', op: '=', value }), tricky.concat(['', `${value}x`]));
      assert.deepEqual(sql, tricky.map((t) => t === value).concat([false, false]), JSON.stringify(value));
    }
  });
});

describe('what Hotpath refuses', () => {
  const refusedByApp = (value: string) => {
    try {
      toClickHouseRegex({ name: 'l', op: '=~', value });
      return false;
    } catch (e) {
      return e instanceof HotpathError && e.code === 'invalid_selector';
    }
  };

  it('ClickHouse refuses too', () => {
    for (const p of ['(', '(?=a)', '(?<=a)b', '(a)\\1', 'a**', 'a{1001}', '(a{100}){100}', '[z-a]', '[[:foo:]]', '\\p{greek}', '\\p{Cn}', '\\p{L&}', '\\Qabc', '[a', 'a\\', '(?x)a']) {
      assert.equal(refusedByApp(p), true, p);
      assert.equal(clickhouseRefuses(`^(?:${p})$`), true, p);
    }
  });

  it('is stricter where ClickHouse would accept (Go refuses \\C; `a)|(b` escapes the anchoring; `[]-a]` hits a prefilter bug)', () => {
    for (const p of ['\\C', 'a)|(b', '[]-a]']) {
      assert.equal(refusedByApp(p), true, p);
      assert.equal(clickhouseRefuses(`^(?:${p})$`), false, p);
    }
    // The prefilter bug itself: RE2 reads the class as ]-a, ClickHouse matches nothing.
    assert.deepEqual(clickhouse('^(?:[]-a])$', [']', 'a', '_']), [false, false, false]);
  });
});
