/**
 * Pyroscope OG "transport trie" (`format=trie` or `Content-Type: binary/octet-stream+trie`, compat-details §1.4):
 * nodes in depth-first pre-order, each `uvarint nameLen, name bytes, uvarint value, uvarint childCount`. A node's
 * key is the concatenation of the name fragments from the root down to it — a folded stack, split on bytes, not
 * frames (so keys are joined as bytes and decoded once whole: a fragment may end inside a UTF-8 character).
 * Every node with a value > 0 is a stack with that value.
 */
import { HotpathError } from '../../../lib/errors.ts';
import { OgReader } from './og-varint.ts';
import { StackCounts } from './stack-counts.ts';

interface Open {
  key: Buffer;
  remaining: number;
}

/**
 * @param maxKeyBytes bound on the bytes of all keys built: a deep chain of one-byte fragments would otherwise
 *   build keys quadratic in the body size.
 */
export function parseTrie(body: Uint8Array, maxKeyBytes: number): StackCounts {
  const r = new OgReader(body, 'trie');
  const out = new StackCounts();
  const utf8 = new TextDecoder('utf-8');
  const path: Open[] = [];
  let keyBytes = 0;
  while (!r.done) {
    const nameLen = r.uvarint('name length');
    const name = r.bytes(nameLen, 'name');
    const value = r.uvarint('value');
    const children = r.uvarint('child count');
    const parent = path.length > 0 ? path[path.length - 1].key : Buffer.alloc(0);
    const key = nameLen === 0 ? parent : Buffer.concat([parent, name]);
    keyBytes += key.length;
    if (keyBytes > maxKeyBytes) {
      throw new HotpathError('too_large', `trie body expands to more than ${maxKeyBytes} bytes of stack names`, { reason: 'profile_size_limit' });
    }
    if (value > 0) out.add(utf8.decode(key), value);
    if (children > 0) {
      path.push({ key, remaining: children });
      continue;
    }
    // A leaf closes every ancestor whose last child it was.
    while (path.length > 0 && --path[path.length - 1].remaining === 0) path.pop();
  }
  if (path.length > 0) throw r.error(`body ends with ${path[path.length - 1].remaining} child node(s) still announced`);
  return out;
}
