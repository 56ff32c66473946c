/**
 * Staged inserts into the embedded engine (staged-insert.ts): bulk rows reach every table and rollup exactly, a
 * repeat with the same token is dropped however the engine reads the file, a summed insert keeps equal keys apart
 * with the same totals, and no staged file is left behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SAMPLE_COLUMNS } from '../../services/aggregator/sample-tsv.ts';
import { loadConfig } from '../config/index.ts';
import { FormattedRows, Store, SUMMED_INSERT } from './store.ts';

const TYPE = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';

describe('staged inserts (embedded engine)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotpath-staged-'));
  let store: Store;
  before(async () => {
    store = await Store.open(loadConfig({ HOTPATH_DATA_DIR: dataDir }));
  });
  after(async () => {
    await store.close();
  });

  const sums = async (table: string, tenant: string) =>
    (await store.select<{ v: string; n: string }>(`SELECT toString(sum(value)) AS v, toString(uniqExact(fingerprint, stack_id)) AS n FROM ${table} WHERE tenant = {tenant:String}`, { tenant }))[0];

  it('stores a large TSV batch over two days once, in raw and both rollups, even when repeated with its token', async () => {
    const day = 86_400;
    const now = Math.floor(Date.now() / 1000 / 60) * 60 - 600;
    const lines: string[] = [];
    let total = 0;
    // 20 000 rows (≈ 1.3 MB): far over the staging threshold, over two daily partitions.
    for (let i = 0; i < 20_000; i++) {
      const value = 1 + (i % 97);
      total += value;
      lines.push(['staged', TYPE, `svc-${i % 3}`, String(1000 + (i % 400)), String(i % 2 ? now : now - day), String(5_000_000 + Math.floor(i / 400)), String(value), 'standard', ''].join('\t'));
    }
    const rows = new FormattedRows('TabSeparated', SAMPLE_COLUMNS, `${lines.join('\n')}\n`, lines.length);
    await store.insertRows('samples_raw', rows, 'staged-batch-1');
    await store.insertRows('samples_raw', rows, 'staged-batch-1');
    for (const table of ['samples_raw', 'samples_1m', 'samples_1h']) {
      assert.deepEqual(await sums(table, 'staged'), { v: String(total), n: '20000' }, table);
    }
    await store.insertRows('samples_raw', rows, 'staged-batch-2');
    assert.equal((await sums('samples_raw', 'staged')).v, String(2 * total), 'another token is another batch');
    assert.deepEqual(readdirSync(join(dataDir, 'insert-staging')), [], 'no staged file left behind');
  });

  it('a summed insert (SUMMED_INSERT) keeps equal keys apart on the way in, and every tier sums to the same totals', async () => {
    const now = Math.floor(Date.now() / 1000 / 60) * 60 - 600;
    const lines: string[] = [];
    let total = 0;
    // 3 000 rows (over the staging threshold) on 1 000 keys: each key three times in the block, in three 10 s buckets of one minute.
    for (let i = 0; i < 3000; i++) {
      const value = 1 + (i % 89);
      total += value;
      const key = i % 1000;
      lines.push(['summed', TYPE, 'svc', String(2000 + key), String(now + 10 * Math.floor(i / 1000)), String(7_000_000 + (key % 50)), String(value), 'standard', 'v1'].join('\t'));
    }
    const rows = new FormattedRows('TabSeparated', SAMPLE_COLUMNS, `${lines.join('\n')}\n`, lines.length);
    await store.insertRows('samples_raw', rows, 'summed-batch-1', SUMMED_INSERT);
    await store.insertRows('samples_raw', rows, 'summed-batch-1', SUMMED_INSERT);
    const stored = async (table: string) =>
      (await store.select<{ v: string; rows: string; keys: string }>(
        `SELECT toString(sum(value)) AS v, toString(count()) AS rows, toString(uniqExact(fingerprint, bucket, stack_id)) AS keys FROM ${table} WHERE tenant = 'summed'`,
      ))[0];
    // Raw: 3 000 distinct keys. The minute and hour tiers: 1 000 keys, each inserted three times and not merged on the
    // way in (with merging on insert they would hold 1 000 rows); the repeat with the same token is still dropped.
    assert.deepEqual(await stored('samples_raw'), { v: String(total), rows: '3000', keys: '3000' });
    assert.deepEqual(await stored('samples_1m'), { v: String(total), rows: '3000', keys: '1000' });
    assert.deepEqual(await stored('samples_1h'), { v: String(total), rows: '3000', keys: '1000' });
    const service = await store.select<{ v: string }>(`SELECT toString(sum(value)) AS v FROM service_samples_1m WHERE tenant = 'summed'`);
    assert.equal(service[0]!.v, String(total));
  });

  it('stages large JSON rows too: arrays, maps and escapes arrive exactly, and views see them', async () => {
    const stacks = Array.from({ length: 2000 }, (_, i) => ({
      tenant: 'staged-json',
      stack_id: String(9_000_000 + i),
      frames: ['main', `pkg.handler${i % 13}`, `pkg.fn\t"${i}"\\`],
      last_seen: Math.floor(Date.now() / 1000),
    }));
    // stacks is a ReplacingMergeTree without a dedup window: a repeat is collapsed on read, not dropped at insert.
    await store.insertRows('stacks', stacks);
    const got = await store.select<{ n: string; f: string[] }>(
      `SELECT toString(count()) AS n, any(frames) AS f FROM stacks WHERE tenant = 'staged-json' AND stack_id = 9000005`,
    );
    assert.deepEqual(got, [{ n: '1', f: ['main', 'pkg.handler5', 'pkg.fn\t"5"\\'] }]);
    assert.equal((await store.select<{ n: string }>(`SELECT toString(uniqExact(stack_id)) AS n FROM stacks WHERE tenant = 'staged-json'`))[0].n, '2000');

    const day = new Date().toISOString().slice(0, 10);
    const series = Array.from({ length: 1000 }, (_, i) => ({
      tenant: 'staged-json', profile_type: TYPE, fingerprint: String(70_000 + i), day, service: 'svc',
      labels: { service_name: 'svc', pod: `pod-${i}`, 'odd key': 'tab\there' }, retention: 'standard',
    }));
    await store.insertRows('series', series, 'staged-series');
    const labels = await store.select<{ labels: Record<string, string> }>(
      `SELECT labels FROM series WHERE tenant = 'staged-json' AND fingerprint = 70042`,
    );
    assert.deepEqual(labels, [{ labels: { service_name: 'svc', pod: 'pod-42', 'odd key': 'tab\there' } }]);
    const indexed = await store.select<{ n: string }>(`SELECT toString(count()) AS n FROM series_labels WHERE tenant = 'staged-json' AND name = 'pod'`);
    assert.equal(indexed[0].n, '1000', 'the label index view saw every staged row');
  });

  it('names the table and column when the rows do not fit the table, and leaves no file', async () => {
    const big = Array.from({ length: 3000 }, (_, i) => ({ tenant: 't', no_such_column: 'x'.repeat(20), stack_id: String(i) }));
    await assert.rejects(store.insertRows('stacks', big), /staged insert: table stacks has no column no_such_column/);
    assert.deepEqual(readdirSync(join(dataDir, 'insert-staging')), []);
  });
});
