/**
 * The frames cache: least-recently-used eviction at its bound, and mergeStacks asking the store only for the frames
 * it has not read before (per tenant), with the same answer either way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTiers } from '../../lib/config/tiers.ts';
import { parseSelector } from '../../lib/query/selector.ts';
import type { Store } from '../../lib/store/store.ts';
import { FramesCache } from './frames-cache.ts';
import { mergeStacks } from './stacks.ts';

describe('frames cache', () => {
  it('keeps at most its bound, dropping the least recently used', () => {
    const c = new FramesCache(2);
    c.set('t', '1', ['a']);
    c.set('t', '2', ['b']);
    assert.deepEqual(c.get('t', '1'), ['a']); // 1 is now the most recent
    c.set('t', '3', ['c']);
    assert.equal(c.size, 2);
    assert.equal(c.get('t', '2'), undefined);
    assert.deepEqual(c.get('t', '1'), ['a']);
    assert.deepEqual(c.get('t', '3'), ['c']);
    assert.equal(c.get('other', '1'), undefined);
  });

  it('lets mergeStacks look up only the frames it has not read for that tenant', async () => {
    const frames: Record<string, string[]> = { '11': ['main', 'a'], '12': ['main', 'b'], '13': ['main', 'c'] };
    let sums: { id: string; v: string }[] = [];
    const lookups: string[][] = [];
    const store = {
      tiers: loadTiers(() => undefined, 10),
      async select(sql: string) {
        if (sql.includes('FROM stacks')) {
          const ids = /stack_id IN \(([\d,]+)\)/.exec(sql)![1]!.split(',');
          lookups.push(ids);
          return ids.filter((id) => frames[id]).map((id) => ({ id, frames: frames[id] }));
        }
        return sums;
      },
    } as unknown as Store;
    // A tenant of its own: the cache is the process's, shared with other tests in this file's process.
    const tenant = `frames-cache-${process.pid}-${Date.now()}`;
    const sel = (t: string) => ({ tenant: t, profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', matchers: parseSelector('{service_name=~"x"}'), fromMs: Date.now() - 60_000, untilMs: Date.now() });

    sums = [{ id: '11', v: '5' }, { id: '12', v: '7' }];
    const first = await mergeStacks(store, sel(tenant), 10);
    sums = [{ id: '11', v: '1' }, { id: '12', v: '2' }, { id: '13', v: '3' }];
    const second = await mergeStacks(store, sel(tenant), 10);
    const third = await mergeStacks(store, sel(`${tenant}-b`), 10);
    assert.deepEqual(lookups, [['11', '12'], ['13'], ['11', '12', '13']]);
    assert.deepEqual(first.stacks, [{ frames: ['main', 'a'], value: 5n }, { frames: ['main', 'b'], value: 7n }]);
    assert.deepEqual(second.stacks, [{ frames: ['main', 'a'], value: 1n }, { frames: ['main', 'b'], value: 2n }, { frames: ['main', 'c'], value: 3n }]);
    assert.equal(second.total, 6n);
    assert.deepEqual(third.stacks, second.stacks);

    // A stack without frames (row expired or not yet written) is left out, and not remembered as missing.
    sums = [{ id: '14', v: '9' }, { id: '11', v: '1' }];
    const fourth = await mergeStacks(store, sel(tenant), 10);
    assert.deepEqual(fourth.stacks, [{ frames: ['main', 'a'], value: 1n }]);
    frames['14'] = ['main', 'd'];
    const fifth = await mergeStacks(store, sel(tenant), 10);
    assert.deepEqual(fifth.stacks, [{ frames: ['main', 'd'], value: 9n }, { frames: ['main', 'a'], value: 1n }]);
    assert.deepEqual(lookups.slice(3), [['14'], ['14']]);
  });
});
