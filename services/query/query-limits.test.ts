import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import type { Store } from '../../lib/store/store.ts';
import { checkMaxNodes, checkRange, limitedStore, queryLimitsFor } from './query-limits.ts';

const config = loadConfig({ HOTPATH_LIMIT_QUERY_RANGE_SECONDS: '86400', HOTPATH_TENANT_QUERY_LIMITS: JSON.stringify({ big: { maxQueryRangeSeconds: 0, maxQueryNodes: 50 } }) });

describe('query limits', () => {
  it('takes per-tenant overrides over the defaults', () => {
    assert.deepEqual(queryLimitsFor(config, 'anyone'), { maxNodes: 1_048_576, maxRangeSeconds: 86400, timeoutMs: 60_000 });
    assert.deepEqual(queryLimitsFor(config, 'big'), { maxNodes: 50, maxRangeSeconds: 0, timeoutMs: 60_000 });
  });

  it('refuses a range over the limit with a message naming it; 0 is unlimited', () => {
    const limits = queryLimitsFor(config, 'anyone');
    checkRange({ fromMs: 0, untilMs: 86_400_000 }, limits);
    assert.throws(
      () => checkRange({ fromMs: 0, untilMs: 2 * 86_400_000 }, limits),
      (e: HotpathError) => e.code === 'invalid_time_range' && e.status === 400 && e.message === 'the query range 2d exceeds the limit of 1d (maxQueryRangeSeconds); narrow from/until',
    );
    checkRange({ fromMs: 0, untilMs: 1e12 }, queryLimitsFor(config, 'big'));
  });

  it('defaults maxNodes to 8192 (capped by the limit) and refuses more than the limit', () => {
    assert.equal(checkMaxNodes(undefined, queryLimitsFor(config, 'anyone')), 8192);
    assert.equal(checkMaxNodes(0, queryLimitsFor(config, 'big')), 50);
    assert.equal(checkMaxNodes(50, queryLimitsFor(config, 'big')), 50);
    assert.throws(() => checkMaxNodes(51, queryLimitsFor(config, 'big')), (e: HotpathError) => e.code === 'bad_request' && e.message === 'maxNodes 51 exceeds the limit of 50 (maxQueryNodes)');
    assert.throws(() => checkMaxNodes(-1, queryLimitsFor(config, 'big'), 'max_nodes'), (e: HotpathError) => e.message === 'max_nodes must be a positive integer, got -1');
  });

  it('stops a query at the timeout with a 400 naming the limit, and passes ClickHouse the same limit', async () => {
    let seen: any;
    const hanging = {
      client: {
        query: (args: any) => {
          seen = args;
          return new Promise((_, reject) => args.abort_signal.addEventListener('abort', () => reject(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' }))));
        },
      },
    } as unknown as Store;
    const db = limitedStore(hanging, { maxNodes: 10, maxRangeSeconds: 0, timeoutMs: 30 });
    await assert.rejects(db.select('SELECT 1'), (e: HotpathError) => e.code === 'bad_request' && e.status === 400 && e.message === 'the query ran longer than the limit of 30 ms (queryTimeoutMs); narrow the selector or the range');
    assert.deepEqual(seen.clickhouse_settings, { max_execution_time: 1, timeout_overflow_mode: 'throw' });
  });

  it('passes other errors through and other members of the store unchanged', async () => {
    const failing = { client: { query: async () => Promise.reject(new Error('boom')) }, other: 42 } as unknown as Store;
    const db = limitedStore(failing, { maxNodes: 10, maxRangeSeconds: 0, timeoutMs: 1000 });
    await assert.rejects(db.select('SELECT 1'), /boom/);
    assert.equal((db as unknown as { other: number }).other, 42);
  });
});
