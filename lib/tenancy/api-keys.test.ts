import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKey, hashSecret, keyInfo, parseKey, parseScopes, secretMatches } from './api-keys.ts';

test('a generated key parses back to its id and only its secret matches the stored salted hash', () => {
  const { key, record } = generateKey('acme', 'ci', ['ingest']);
  const parsed = parseKey(key);
  assert.ok(parsed);
  assert.equal(parsed.id, record.id);
  assert.ok(secretMatches(record, parsed.secret));
  assert.ok(!secretMatches(record, parsed.secret.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))));
  assert.ok(!JSON.stringify(record).includes(parsed.secret), 'the secret is not stored');
  assert.equal(record.hash, hashSecret(record.salt, parsed.secret));
  const other = generateKey('acme', 'ci', ['ingest']).record;
  assert.notEqual(other.salt, record.salt, 'a salt per key');
  assert.deepEqual(Object.keys(keyInfo(record)).sort(), ['createdAt', 'id', 'name', 'scopes', 'tenant']);
});

test('parseKey refuses anything not shaped like a key', () => {
  for (const bad of ['', 'hp_', 'hp_0123456789abcdef_short', `xx_0123456789abcdef_${'a'.repeat(43)}`, `hp_0123456789ABCDEF_${'a'.repeat(43)}`]) {
    assert.equal(parseKey(bad), undefined, bad);
  }
  assert.deepEqual(parseKey(`hp_0123456789abcdef_${'a'.repeat(43)}`), { id: '0123456789abcdef', secret: 'a'.repeat(43) });
});

test('scopes: a list or comma string of ingest, query, admin', () => {
  assert.deepEqual(parseScopes('query, ingest,query'), ['ingest', 'query']);
  assert.deepEqual(parseScopes(['admin']), ['admin']);
  assert.throws(() => parseScopes('write'), { message: 'unknown scope "write" (expected ingest, query, admin)' });
  assert.throws(() => parseScopes([]), /non-empty/);
});
