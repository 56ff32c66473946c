/**
 * Pyroscope OG tree (`format=tree` or `Content-Type: binary/octet-stream+tree`, compat-details §1.4): nodes in
 * depth-first pre-order, each `uvarint nameLen, name, uvarint self, uvarint childCount`. The first node is the
 * root, whose name is not a frame; a node's stack is the names from the root's children down to it, and its
 * `self` is that stack's value (Pyroscope: `DeserializeNoDict` + `Iterate`). Names are whole frames.
 */
import { HotpathError } from '../../../lib/errors.ts';
import { OgReader } from './og-varint.ts';
import { StackCounts } from './stack-counts.ts';

export interface TreeLimits {
  /** Longest frame name accepted (Pyroscope: the symbol length limit). */
  maxNameBytes: number;
  /** Most children one node may announce (Pyroscope: the samples-per-profile limit). */
  maxChildren: number;
  /** Bound on the bytes of all stack keys built (see og-trie.ts). */
  maxKeyBytes: number;
}

interface Open {
  key: string;
  remaining: number;
}

export function parseTree(body: Uint8Array, limits: TreeLimits): StackCounts {
  const r = new OgReader(body, 'tree');
  const out = new StackCounts();
  const utf8 = new TextDecoder('utf-8');
  const path: Open[] = [];
  let keyBytes = 0;
  let root = true;
  while (!r.done) {
    const nameLen = r.uvarint('name length');
    if (nameLen > limits.maxNameBytes) throw r.error(`name of ${nameLen} bytes exceeds the limit of ${limits.maxNameBytes}`);
    const name = utf8.decode(r.bytes(nameLen, 'name'));
    const self = r.uvarint('self value');
    const children = r.uvarint('child count');
    if (children > limits.maxChildren) throw r.error(`node announces ${children} children, more than the limit of ${limits.maxChildren}`);
    let key = '';
    if (!root) {
      const parent = path.length > 0 ? path[path.length - 1].key : '';
      key = parent === '' && path.length === 1 ? name : `${parent};${name}`;
      keyBytes += key.length;
      if (keyBytes > limits.maxKeyBytes) {
        throw new HotpathError('too_large', `tree body expands to more than ${limits.maxKeyBytes} bytes of stack names`, { reason: 'profile_size_limit' });
      }
      if (self > 0) out.add(key, self);
    }
    root = false;
    if (children > 0) {
      path.push({ key, remaining: children });
      continue;
    }
    while (path.length > 0 && --path[path.length - 1].remaining === 0) path.pop();
    if (path.length === 0 && !r.done) throw r.error('data after the complete tree');
  }
  if (path.length > 0) throw r.error(`body ends with ${path[path.length - 1].remaining} child node(s) still announced`);
  return out;
}
