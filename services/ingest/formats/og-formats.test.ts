import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotpathError } from '../../../lib/errors.ts';
import { parseTree } from './og-tree.ts';
import { parseTrie } from './og-trie.ts';

/** Writes nodes as the OG serializers do: uvarint name length, name, uvarint value, uvarint child count. */
function encode(nodes: [string, number, number][]): Uint8Array {
  const out: number[] = [];
  const uvarint = (n: number) => {
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  };
  for (const [name, value, children] of nodes) {
    const b = Buffer.from(name, 'utf8');
    uvarint(b.length);
    out.push(...b);
    uvarint(value);
    uvarint(children);
  }
  return Uint8Array.from(out);
}

const LIMITS = { maxNameBytes: 65535, maxChildren: 16000, maxKeyBytes: 1 << 20 };

test('trie: keys are concatenated fragments; every node with a value is a stack', () => {
  // root "" → "main;" → {"foo" = 3, "ba" → {"r" = 200, "z" = 1}}, and "main;" itself carries 2.
  const body = encode([
    ['', 0, 1],
    ['main;', 2, 2],
    ['foo', 3, 0],
    ['ba', 0, 2],
    ['r', 200, 0],
    ['z', 1, 0],
  ]);
  const s = parseTrie(body, 1 << 20);
  assert.deepEqual([...s.values], [
    ['main;', 2],
    ['main;foo', 3],
    ['main;bar', 200],
    ['main;baz', 1],
  ]);
});

test('trie: a fragment may end inside a UTF-8 character', () => {
  const euro = Buffer.from('€', 'utf8'); // 3 bytes
  const nodes: Uint8Array[] = [encode([['', 0, 1]]), Uint8Array.from([2, euro[0], euro[1], 0, 1]), Uint8Array.from([1, euro[2], 5, 0])];
  const s = parseTrie(Buffer.concat(nodes), 1 << 20);
  assert.deepEqual([...s.values], [['€', 5]]);
});

test('trie: truncated bodies and missing children are refused with the byte offset', () => {
  const body = encode([
    ['', 0, 1],
    ['main', 0, 2],
    ['a', 1, 0],
  ]);
  assert.throws(
    () => parseTrie(body, 1 << 20),
    (e: unknown) => e instanceof HotpathError && e.code === 'invalid_profile' && e.message === `trie body at byte ${body.length}: body ends with 1 child node(s) still announced`,
  );
  assert.throws(() => parseTrie(body.subarray(0, 5), 1 << 20), /trie body at byte 4: name: 4 bytes declared, 1 left/);
});

test('trie: quadratic key expansion is bounded', () => {
  const chain: [string, number, number][] = Array.from({ length: 2000 }, () => ['xxxxxxxx', 1, 1]);
  chain.push(['y', 1, 0]);
  assert.throws(() => parseTrie(encode(chain), 1 << 20), (e: unknown) => e instanceof HotpathError && e.code === 'too_large');
});

test('tree: root name is no frame; stacks are names below it with their self values', () => {
  const body = encode([
    ['', 0, 2],
    ['main', 1, 2],
    ['foo', 10, 0],
    ['bar', 0, 1],
    ['baz', 4, 0],
    ['other', 6, 0],
  ]);
  const s = parseTree(body, LIMITS);
  assert.deepEqual([...s.values], [
    ['main', 1],
    ['main;foo', 10],
    ['main;bar;baz', 4],
    ['other', 6],
  ]);
});

test('tree: limits and trailing data are refused', () => {
  assert.throws(() => parseTree(encode([['', 0, 20000]]), LIMITS), /tree body at byte 5: node announces 20000 children, more than the limit of 16000/);
  assert.throws(() => parseTree(encode([['', 0, 1], ['abc', 1, 0], ['x', 1, 0]]), { ...LIMITS, maxNameBytes: 2 }), /name of 3 bytes exceeds the limit of 2/);
  assert.throws(() => parseTree(encode([['', 0, 1], ['a', 1, 0], ['x', 1, 0]]), LIMITS), /data after the complete tree/);
});
