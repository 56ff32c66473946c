import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../../../lib/errors.ts';
import { parseFolded, parseLines } from './folded.ts';
import { foldedFrames } from './stack-counts.ts';

test('folded: count after the last space, identical stacks summed, lines without a count skipped', () => {
  const s = parseFolded('main;foo 10\nmain;bar baz 5\r\nmain;foo 7\nno-count-here\n\nmain;zero 0\n');
  assert.deepEqual([...s.values], [
    ['main;foo', 17],
    ['main;bar baz', 5],
  ]);
});

test('folded: a bad count refuses the body and names the line', () => {
  assert.throws(
    () => parseFolded('a;b 1\na;c x1\n'),
    (e: unknown) => e instanceof HotpathError && e.code === 'invalid_profile' && e.message === 'folded line 2: count "x1" is not a non-negative integer (expected "frame;frame;frame <count>")',
  );
  assert.throws(() => parseFolded('a;b -3'), /folded line 1: count "-3"/);
  assert.throws(() => parseFolded('a;b 9007199254740993'), /folded line 1: count 9007199254740993 exceeds 2\^53-1/);
});

test('lines: each line one sample; empty lines ignored', () => {
  const s = parseLines('a;b\na;b\n\na;c\na;b');
  assert.deepEqual([...s.values], [
    ['a;b', 3],
    ['a;c', 1],
  ]);
});

test('frames split on ";": trailing ";" ends the stack, empty middle frame kept', () => {
  assert.deepEqual(foldedFrames('a;b;'), ['a', 'b']);
  assert.deepEqual(foldedFrames('a;;b'), ['a', '', 'b']);
  assert.deepEqual(foldedFrames('main'), ['main']);
});
