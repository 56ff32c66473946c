/**
 * Prices the aggregator's write cycle statement by statement on the embedded engine: what one insert costs as a
 * function of its rows, of the dedup token and of the two rollup views fed by samples_raw. The fleet runs
 * (loadtest/fleet) show that the write cycle, not JavaScript, bounds single-node ingest; this says which part of it.
 *
 *   node --import tsx loadtest/store-write-bench.ts [--profiles 1,50,200,800] [--repeats 7] [--stacks-per-profile 442]
 *
 * Rows are shaped as a Go CPU profile's are after normalization (one series per profile, ~442 stacks each, drawn
 * from a pool shared by the fleet); each case inserts fresh rows, timed from the call to its resolution. Prints one
 * Markdown table of medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sampleRowsTsv } from '../services/aggregator/sample-tsv.ts';
import type { SampleRow } from '../services/aggregator/batch.ts';
import { loadConfig } from '../lib/config/index.ts';
import { Store } from '../lib/store/store.ts';

const { values } = parseArgs({
  options: {
    profiles: { type: 'string', default: '1,50,200,800' },
    repeats: { type: 'string', default: '7' },
    'stacks-per-profile': { type: 'string', default: '442' },
  },
});
const sizes = values.profiles.split(',').map(Number);
const repeats = Number(values.repeats);
const perProfile = Number(values['stacks-per-profile']);

const dir = mkdtempSync(join(tmpdir(), 'hotpath-store-bench-'));
const store = await Store.open(loadConfig({ HOTPATH_DATA_DIR: dir }));
// The same table without the rollup views: what the views add to each insert.
await store.command('CREATE TABLE samples_plain AS samples_raw');

let fingerprint = 1n;
const bucket = Math.floor(Date.now() / 10_000) * 10;
function rows(profiles: number): SampleRow[] {
  const out: SampleRow[] = [];
  for (let p = 0; p < profiles; p++) {
    const fp = String(fingerprint++);
    for (let s = 0; s < perProfile; s++) {
      out.push({
        tenant: 'anonymous',
        profile_type: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
        service: `svc-${p % 10}`,
        fingerprint: fp,
        bucket,
        stack_id: String((BigInt(s * 7919 + (p % 13)) * 2654435761n) % 18446744073709551557n),
        value: 10_000_000 * (1 + (s % 17)),
        retention: 'standard',
        version: `v${p % 2}`,
      });
    }
  }
  return out;
}

let token = 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median time of `repeats` calls of `run`, each on input made beforehand by `prepare` (not timed). */
async function time<T>(prepare: () => T, run: (input: T) => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const input = prepare();
    const t0 = performance.now();
    await run(input);
    ms.push(performance.now() - t0);
  }
  return median(ms);
}
const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${token}-${i}`);
const idRows = (n: number) => ids(n).map((ingest_id) => ({ tenant: 'anonymous', ingest_id, expires_at: Math.floor(Date.now() / 1000) + 600 }));

type Case = [string, (n: number) => unknown, (input: any) => Promise<unknown>];
const cases: Case[] = [
  ['samples_raw, token (as the aggregator writes)', (n) => sampleRowsTsv(rows(n)), (r) => store.insertRows('samples_raw', r, `bench-${token++}`)],
  ['samples_raw, no token', (n) => sampleRowsTsv(rows(n)), (r) => store.insertRows('samples_raw', r)],
  ['same table without rollup views, token', (n) => sampleRowsTsv(rows(n)), (r) => store.insertRows('samples_plain', r, `bench-${token++}`)],
  ['ingest_ids, token (one id per profile)', idRows, (r) => store.insertRows('ingest_ids', r, `bench-${token++}`)],
  ['ingest_ids lookup (SELECT … IN, one id per profile)', ids, (r) =>
    store.select('SELECT DISTINCT ingest_id FROM ingest_ids WHERE ingest_id IN {ids:Array(String)} AND expires_at > now()', { ids: r })],
];

const table: string[] = [`| statement | ${sizes.map((n) => `${n} profiles (${n * perProfile} rows)`).join(' | ')} |`, `|---|${sizes.map(() => '---:').join('|')}|`];
for (const [name, prepare, run] of cases) {
  const cells: string[] = [];
  for (const n of sizes) {
    await run(prepare(n)); // warm-up: first part of a partition, caches
    cells.push(`${(await time(() => prepare(n), run)).toFixed(1)} ms`);
  }
  table.push(`| ${name} | ${cells.join(' | ')} |`);
  console.error(table.at(-1));
}
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(table.join('\n'));
