import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HotpathError } from '../errors.ts';
import { matches, parseProfileTypeId, parseQuery, parseSelector, toClickHouseRegex } from './selector.ts';
import type { Matcher } from './selector.ts';

/** Asserts invalid_selector with exactly `message`. */
function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HotpathError, `expected HotpathError, got ${String(e)}`);
    assert.equal(e.code, 'invalid_selector');
    assert.equal(e.message, message);
    return true;
  });
}

describe('parseSelector: accepted forms', () => {
  it('all four operators', () => {
    assert.deepEqual(parseSelector('{a="b", c=~"x.*", d!="", e!~"y"}'), [
      { name: 'a', op: '=', value: 'b' },
      { name: 'c', op: '=~', value: 'x.*' },
      { name: 'd', op: '!=', value: '' },
      { name: 'e', op: '!~', value: 'y' },
    ]);
  });

  it('the empty selector', () => {
    assert.deepEqual(parseSelector('{}'), []);
    assert.deepEqual(parseSelector(' \t{ \n } \r\n'), []);
  });

  it('a trailing comma and whitespace anywhere', () => {
    assert.deepEqual(parseSelector('{service_name="a",}'), [{ name: 'service_name', op: '=', value: 'a' }]);
    assert.deepEqual(parseSelector('{\n\tservice_name\n=\n"a"\r\n,\n zone =~ "eu" , }'), [
      { name: 'service_name', op: '=', value: 'a' },
      { name: 'zone', op: '=~', value: 'eu' },
    ]);
  });

  it('single-quoted and raw strings', () => {
    assert.deepEqual(parseSelector("{a='b\"c', d=`x\\d+\ny`}"), [
      { name: 'a', op: '=', value: 'b"c' },
      { name: 'd', op: '=', value: 'x\\d+\ny' },
    ]);
  });

  it('Go escapes, including bytes that form UTF-8', () => {
    assert.deepEqual(parseSelector('{a="\\"q\\" \\n\\t\\\\ \\x41\\101 \\u00e9 \\U0001F600 \\xc3\\xa9 \\a\\b\\f\\r\\v"}'), [
      { name: 'a', op: '=', value: '"q" \n\t\\ AA é 😀 é \x07\b\f\r\v' },
    ]);
    assert.deepEqual(parseSelector("{a='\\''}"), [{ name: 'a', op: '=', value: "'" }]);
  });

  it('dotted and quoted label names', () => {
    assert.deepEqual(parseSelector('{service.name="x", "otel.scope.name"=~"com\\\\..*", \'k8s-app\'!="", "café"="1"}'), [
      { name: 'service.name', op: '=', value: 'x' },
      { name: 'otel.scope.name', op: '=~', value: 'com\\..*' },
      { name: 'k8s-app', op: '!=', value: '' },
      { name: 'café', op: '=', value: '1' },
    ]);
  });
});

describe('parseSelector: errors name the input, position and problem', () => {
  it('structure', () => {
    rejects(() => parseSelector('{a="b"'), `invalid selector "{a=\\"b\\"": at position 7: missing '}'`);
    rejects(() => parseSelector('{a=b}'), `invalid selector "{a=b}": at position 4: expected a quoted string after =, got "b"`);
    rejects(() => parseSelector('{a="b" c="d"}'), `invalid selector "{a=\\"b\\" c=\\"d\\"}": at position 8: expected ',' or '}' after a matcher, got "c"`);
    rejects(() => parseSelector('{,}'), `invalid selector "{,}": at position 2: expected a label name, got ","`);
    rejects(() => parseSelector('{a="b",,}'), `invalid selector "{a=\\"b\\",,}": at position 8: expected a label name, got ","`);
    rejects(() => parseSelector('{a=="b"}'), `invalid selector "{a==\\"b\\"}": at position 3: '==' is not a matcher operator (use '=')`);
    rejects(() => parseSelector('{a~"b"}'), `invalid selector "{a~\\"b\\"}": at position 3: expected one of = != =~ !~ after label name "a", got "~"`);
    rejects(() => parseSelector('{a-b="x"}'), `invalid selector "{a-b=\\"x\\"}": at position 3: expected one of = != =~ !~ after label name "a", got "-"`);
    rejects(() => parseSelector('a="b"'), `invalid selector "a=\\"b\\"": at position 1: expected '{', got "a"`);
    rejects(() => parseSelector(''), `invalid selector "": at position 1: empty selector (use {} to select every series)`);
    rejects(() => parseSelector('{a="b"} x'), `invalid selector "{a=\\"b\\"} x": at position 9: unexpected "x" after '}'`);
  });

  it('label names', () => {
    rejects(
      () => parseSelector('{1a="x"}'),
      `invalid selector "{1a=\\"x\\"}": at position 2: invalid label name "1a": unquoted names match [a-zA-Z_][a-zA-Z0-9_]* with optional .segments; quote others ({"1a"="…"})`,
    );
    rejects(
      () => parseSelector('{a.="x"}'),
      `invalid selector "{a.=\\"x\\"}": at position 2: invalid label name "a.": unquoted names match [a-zA-Z_][a-zA-Z0-9_]* with optional .segments; quote others ({"a."="…"})`,
    );
    rejects(() => parseSelector('{""="x"}'), `invalid selector "{\\"\\"=\\"x\\"}": at position 2: empty label name`);
  });

  it('strings', () => {
    rejects(() => parseSelector('{a="x\ny"}'), `invalid selector "{a=\\"x\\ny\\"}": at position 4: unterminated quoted string`);
    rejects(() => parseSelector('{a=`x}'), 'invalid selector "{a=`x}": at position 4: unterminated raw string');
    rejects(() => parseSelector('{a="\\q"}'), `invalid selector "{a=\\"\\\\q\\"}": at position 5: unknown escape sequence U+0071 "q"`);
    rejects(() => parseSelector('{a="\\\'"}'), `invalid selector "{a=\\"\\\\'\\"}": at position 5: unknown escape sequence U+0027 "'"`);
    rejects(() => parseSelector('{a="\\1"}'), `invalid selector "{a=\\"\\\\1\\"}": at position 7: illegal character U+0022 "\\"" in escape sequence`);
    rejects(() => parseSelector('{a="\\ud800"}'), `invalid selector "{a=\\"\\\\ud800\\"}": at position 5: escape sequence is an invalid Unicode code point`);
    rejects(() => parseSelector('{a="\\400"}'), `invalid selector "{a=\\"\\\\400\\"}": at position 5: escape sequence is an invalid Unicode code point`);
    rejects(() => parseSelector('{a="\\xff"}'), `invalid selector "{a=\\"\\\\xff\\"}": at position 4: string is not valid UTF-8 after its \\x or octal escapes`);
  });

  it('regexes are validated as RE2', () => {
    rejects(() => parseSelector('{a=~"("}'), `invalid selector "{a=~\\"(\\"}": at position 5: invalid regex "(" for label "a": missing closing ): \`(\``);
    rejects(
      () => parseSelector('{a=~"(?<=x)y"}'),
      `invalid selector "{a=~\\"(?<=x)y\\"}": at position 5: invalid regex "(?<=x)y" for label "a": invalid named capture (RE2 has no lookbehind): \`(?<=x)y\``,
    );
    rejects(() => parseSelector('{a!~"(a)\\\\1"}'), `invalid selector "{a!~\\"(a)\\\\\\\\1\\"}": at position 5: invalid regex "(a)\\\\1" for label "a": invalid escape sequence: \`\\1\``);
    rejects(() => parseSelector('{a=~"a**"}'), `invalid selector "{a=~\\"a**\\"}": at position 5: invalid regex "a**" for label "a": invalid nested repetition operator: \`**\``);
  });

  it('long inputs are shortened in the message', () => {
    assert.throws(
      () => parseSelector(`{a="${'x'.repeat(300)}}`),
      (e: unknown) => e instanceof HotpathError && e.message.includes(`${'x'.repeat(196)}…"`) && e.message.length < 300,
    );
  });
});

describe('matches', () => {
  const m = (op: Matcher['op'], value: string): Matcher => ({ name: 'l', op, value });

  it('regexes are fully anchored', () => {
    const re = parseSelector('{zone=~"eu-.*"}')[0]!;
    assert.equal(matches(re, 'eu-west'), true);
    assert.equal(matches(re, 'xeu-west'), false);
    assert.equal(matches(re, 'eu'), false);
    assert.equal(matches(m('=~', 'a|b'), 'ab'), false);
    assert.equal(matches(m('=~', 'a|b'), 'b'), true);
  });

  it('!~ and absent labels (absent = empty string)', () => {
    const nre = parseSelector('{e!~"y"}')[0]!;
    assert.equal(matches(nre, 'x'), true);
    assert.equal(matches(nre, 'y'), false);
    assert.equal(matches(nre, undefined), true);
    assert.equal(matches(m('=~', ''), undefined), true);
    assert.equal(matches(m('=~', '.+'), undefined), false);
    assert.equal(matches(m('=', ''), undefined), true);
    assert.equal(matches(m('!=', ''), undefined), false);
    assert.equal(matches(m('!=', ''), 'x'), true);
    assert.equal(matches(m('=', 'x'), 'x'), true);
    assert.equal(matches(m('=', 'x'), 'X'), false);
  });

  it('RE2 semantics: . matches newline, (?i), \\s without \\v', () => {
    assert.equal(matches(m('=~', 'a.b'), 'a\nb'), true);
    assert.equal(matches(m('=~', '(?i)checkout'), 'CheckOut'), true);
    assert.equal(matches(m('=~', '\\s'), '\v'), false);
  });

  it('hand-built matchers are validated on use', () => {
    rejects(() => matches(m('=~', '('), 'x'), 'invalid regex "(" for label "l": missing closing ): `(`');
  });

  it('hostile regexes run in linear time', () => {
    const t0 = performance.now();
    assert.equal(matches(m('=~', '(a|a)*b'), 'a'.repeat(2048)), false);
    assert.equal(matches(m('=~', '(a*)*b'), 'a'.repeat(2048)), false);
    assert.ok(performance.now() - t0 < 2000);
  });
});

describe('toClickHouseRegex', () => {
  it('anchors regex matchers', () => {
    assert.equal(toClickHouseRegex({ name: 'zone', op: '=~', value: 'eu-.*' }), '^(?:eu-.*)$');
    assert.equal(toClickHouseRegex({ name: 'zone', op: '!~', value: 'a|b' }), '^(?:a|b)$');
  });

  it('quotes equality values', () => {
    assert.equal(toClickHouseRegex({ name: 'a', op: '=', value: 'a.b(c)*\\ é_1' }), '^(?:a\\.b\\(c\\)\\*\\\\\\ é_1)$');
    assert.equal(toClickHouseRegex({ name: 'a', op: '!=', value: 'x\0y' }), '^(?:x\\x00y)$');
  });

  it('refuses invalid regexes', () => {
    rejects(() => toClickHouseRegex({ name: 'a', op: '=~', value: '\\Qx' }), 'invalid regex "\\\\Qx" for label "a": missing \\E after \\Q: `\\Qx`');
  });
});

describe('parseQuery', () => {
  it('profile type id and selector', () => {
    assert.deepEqual(parseQuery('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="checkout", zone=~"eu-.*"}'), {
      profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      matchers: [
        { name: 'service_name', op: '=', value: 'checkout' },
        { name: 'zone', op: '=~', value: 'eu-.*' },
      ],
    });
  });

  it('the id alone, empty parts, whitespace', () => {
    assert.deepEqual(parseQuery('memory:inuse_space:bytes::'), { profileTypeId: 'memory:inuse_space:bytes::', matchers: [] });
    assert.deepEqual(parseQuery('  memory:alloc_space:bytes:space:bytes {}  '), {
      profileTypeId: 'memory:alloc_space:bytes:space:bytes',
      matchers: [],
    });
  });

  it('errors name the query, position and part', () => {
    rejects(() => parseQuery(''), 'invalid query "": at position 1: empty query (want <profileTypeId>{<selector>})');
    rejects(
      () => parseQuery('{service_name="x"}'),
      `invalid query "{service_name=\\"x\\"}": at position 1: missing profile type id before '{' (want <name>:<sample type>:<sample unit>:<period type>:<period unit>{…})`,
    );
    rejects(
      () => parseQuery(' process_cpu:cpu{}'),
      'invalid query " process_cpu:cpu{}": at position 2: invalid profile type id "process_cpu:cpu": has 2 parts, want 5: <name>:<sample type>:<sample unit>:<period type>:<period unit>',
    );
    rejects(
      () => parseQuery('a:b:c:d:e:delta{}'),
      'invalid query "a:b:c:d:e:delta{}": at position 1: invalid profile type id "a:b:c:d:e:delta": has 6 parts, want 5: <name>:<sample type>:<sample unit>:<period type>:<period unit>',
    );
    rejects(
      () => parseQuery(':cpu:nanoseconds:cpu:nanoseconds{}'),
      'invalid query ":cpu:nanoseconds:cpu:nanoseconds{}": at position 1: invalid profile type id ":cpu:nanoseconds:cpu:nanoseconds": part 1 (name) is empty',
    );
    rejects(
      () => parseQuery('process_cpu:cpu:nanoseconds:cpu:nanoseconds service_name="x"'),
      `invalid query "process_cpu:cpu:nanoseconds:cpu:nanoseconds service_name=\\"x\\"": at position 1: invalid profile type id "process_cpu:cpu:nanoseconds:cpu:nanoseconds service_name=\\"x\\"": part 5 (period unit) contains " "`,
    );
    rejects(
      () => parseQuery('process_cpu:cpu:nanoseconds:cpu:nanoseconds{a="b"'),
      `invalid query "process_cpu:cpu:nanoseconds:cpu:nanoseconds{a=\\"b\\"": at position 50: missing '}'`,
    );
  });
});

describe('parseProfileTypeId', () => {
  it('splits the five parts', () => {
    assert.deepEqual(parseProfileTypeId('memory:inuse_space:bytes::'), {
      id: 'memory:inuse_space:bytes::',
      name: 'memory',
      sampleType: 'inuse_space',
      sampleUnit: 'bytes',
      periodType: '',
      periodUnit: '',
    });
  });

  it('says which part is wrong', () => {
    rejects(() => parseProfileTypeId('process_cpu'), 'invalid profile type id "process_cpu": has 1 part, want 5: <name>:<sample type>:<sample unit>:<period type>:<period unit>');
    rejects(() => parseProfileTypeId('wall:wall:nano,seconds:wall:ns'), 'invalid profile type id "wall:wall:nano,seconds:wall:ns": part 3 (sample unit) contains ","');
  });
});
