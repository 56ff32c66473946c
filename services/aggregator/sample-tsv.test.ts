import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleRowsTsv, tsvString } from './sample-tsv.ts';

describe('sample rows as TabSeparated', () => {
  it('escapes backslash, tab, line feed and carriage return, and nothing else', () => {
    assert.equal(tsvString('plain-name_1.2{}"\''), 'plain-name_1.2{}"\'');
    assert.equal(tsvString('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
  });

  it('writes one line per row in column order, numbers as they are', () => {
    const row = { tenant: 'anonymous', profile_type: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', service: 'svc\tx', fingerprint: '18446744073709551615', bucket: 1795601120, stack_id: '42', value: -9007199254740991, retention: 'standard', version: 'v1\n2' };
    assert.equal(
      sampleRowsTsv([row, { ...row, stack_id: '43', value: 5 }]).body,
      'anonymous\tprocess_cpu:cpu:nanoseconds:cpu:nanoseconds\tsvc\\tx\t18446744073709551615\t1795601120\t42\t-9007199254740991\tstandard\tv1\\n2\n' +
        'anonymous\tprocess_cpu:cpu:nanoseconds:cpu:nanoseconds\tsvc\\tx\t18446744073709551615\t1795601120\t43\t5\tstandard\tv1\\n2\n',
    );
    assert.equal(sampleRowsTsv([]).length, 0);
  });
});
