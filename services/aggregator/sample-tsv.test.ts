import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleGroupsTsv, sampleRowsTsv, tsvString } from './sample-tsv.ts';

describe('sample rows as TabSeparated', () => {
  it('escapes backslash, tab, line feed and carriage return, and nothing else', () => {
    assert.equal(tsvString('plain-name_1.2{}"\''), 'plain-name_1.2{}"\'');
    assert.equal(tsvString('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
  });

  it('writes one line per row in column order, numbers as they are', () => {
    const row = { tenant: 'anonymous', profile_type: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', service: 'svc\tx', fingerprint: '18446744073709551615', bucket: 1795601120, stack_id: '42', value: -9007199254740991, retention: 'standard', version: 'v1\n2' };
    assert.equal(
      sampleRowsTsv([row, { ...row, stack_id: '43', value: 5 }]).body.toString(),
      'anonymous\tprocess_cpu:cpu:nanoseconds:cpu:nanoseconds\tsvc\\tx\t18446744073709551615\t1795601120\t42\t-9007199254740991\tstandard\tv1\\n2\n' +
        'anonymous\tprocess_cpu:cpu:nanoseconds:cpu:nanoseconds\tsvc\\tx\t18446744073709551615\t1795601120\t43\t5\tstandard\tv1\\n2\n',
    );
    assert.equal(sampleRowsTsv([]).length, 0);
  });

  it('writes the rows of a group with its shared columns, ids and values exactly, then the overflow rows', () => {
    const g = { tenant: 'ténant', profile_type: 'memory:alloc_space:bytes:space:bytes', service: 'sërvice\\x', fingerprint: '0', bucket: 0, retention: 'critical', version: '' };
    const values = new Map([
      ['18446744073709551615', 9007199254740991],
      ['1', -9007199254740991],
      ['10', 0],
      ['7', -1],
      ['100', 1000000000000000],
    ]);
    const overflow = [{ ...g, stack_id: '5', value: 123, version: 'v2' }];
    const out = sampleGroupsTsv([{ ...g, values }, { ...g, bucket: 10, values: new Map() }], overflow);
    assert.equal(out.length, 6);
    const shared = 'ténant\tmemory:alloc_space:bytes:space:bytes\tsërvice\\\\x\t0\t0\t';
    assert.equal(
      out.body.toString('utf8'),
      `${shared}18446744073709551615\t9007199254740991\tcritical\t\n` +
        `${shared}1\t-9007199254740991\tcritical\t\n` +
        `${shared}10\t0\tcritical\t\n` +
        `${shared}7\t-1\tcritical\t\n` +
        `${shared}100\t1000000000000000\tcritical\t\n` +
        `${shared}5\t123\tcritical\tv2\n`,
    );
  });
});
