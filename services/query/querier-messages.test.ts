import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRoot, clientType } from '../../test/helpers/querier-proto.ts';
import { messageCodec } from './querier-messages.ts';

describe('querier message codecs', () => {
  const req = messageCodec(clientType('querier.v1.SelectMergeStacktracesRequest'));
  const res = messageCodec(clientType('querier.v1.SelectMergeStacktracesResponse'));

  it('decodes binary requests into lowerCamel objects with int64 as strings', () => {
    const T = clientType('querier.v1.SelectMergeStacktracesRequest');
    const bytes = T.encode(T.fromObject({ profile_typeID: 'a:b:c:d:e', label_selector: '{}', start: '1700000000000', end: '1700000060000', max_nodes: 16 })).finish();
    assert.deepEqual(req.decode(bytes), { profileTypeID: 'a:b:c:d:e', labelSelector: '{}', start: '1700000000000', end: '1700000060000', maxNodes: '16' });
  });

  it('reads protobuf JSON with lowerCamel or original names, int64 as string or number; ignores unknown fields', () => {
    const a = req.fromJson({ profileTypeID: 'x:y:z:w:v', labelSelector: '{}', start: '5', end: 6, maxNodes: '7', someFutureField: true });
    const b = req.fromJson({ profile_typeID: 'x:y:z:w:v', label_selector: '{}', start: 5, end: '6', max_nodes: 7 });
    assert.deepEqual(a, { profileTypeID: 'x:y:z:w:v', labelSelector: '{}', start: '5', end: '6', maxNodes: '7' });
    assert.deepEqual(b, a);
  });

  it('prints responses as protobuf JSON (lowerCamel, int64 strings) and as bytes a client decodes', () => {
    const msg = { flamegraph: { names: ['total', 'a'], levels: [{ values: [0n, 3n, 0n, 0n] }, { values: [0n, 3n, 3n, 1n] }], total: 3n, maxSelf: 3n } };
    assert.deepEqual(res.toJson(msg), { flamegraph: { names: ['total', 'a'], levels: [{ values: ['0', '3', '0', '0'] }, { values: ['0', '3', '3', '1'] }], total: '3', maxSelf: '3' } });
    const T = clientType('querier.v1.SelectMergeStacktracesResponse');
    const back = T.toObject(T.decode(res.encode(msg)), { longs: String });
    assert.deepEqual(back, { flamegraph: { names: ['total', 'a'], levels: [{ values: ['0', '3', '0', '0'] }, { values: ['0', '3', '3', '1'] }], total: '3', max_self: '3' } });
  });

  it('works the same over a root loaded with lowerCamel field names', () => {
    const T = buildRoot(false).lookupType('querier.v1.SelectMergeStacktracesRequest');
    assert.ok(T.fields.profileTypeID && !T.fields.profile_typeID);
    const codec = messageCodec(T);
    assert.deepEqual(codec.fromJson({ profile_typeID: 'x', maxNodes: 3 }), { profileTypeID: 'x', maxNodes: '3' });
    const bytes = clientType('querier.v1.SelectMergeStacktracesRequest').encode({ profile_typeID: 'y', start: 9 }).finish();
    assert.deepEqual(codec.decode(bytes), { profileTypeID: 'y', start: '9' });
  });
});
