/**
 * What the aggregator's per-batch lookup of stored ingest ids costs as `ingest_ids` fills (ingest-dedupe.ts): the
 * lookup of 2 000 new ids (one fleet batch) against 0, 100 000, 500 000, 1 and 2 million stored ids, wall time and
 * process CPU (the embedded engine runs in this process). At 2 000 requests/s of two profiles each the table holds
 * 2.4 million unexpired ids after the 10-minute window.
 *
 *   node --import tsx loadtest/ingest-ids-lookup-bench.ts
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../lib/config/index.ts';
import { Store } from '../lib/store/store.ts';
import { IngestDedupe, ingestIdRows } from '../services/aggregator/ingest-dedupe.ts';

const dir = mkdtempSync(join(tmpdir(), 'hotpath-ids-bench-'));
const store = await Store.open(loadConfig({ HOTPATH_DATA_DIR: dir }));
// Not a sole writer: every call is a lookup.
const dedupe = new IngestDedupe(store);
/** Ids shaped as the gateway's: a base64url SHA-256 and the profile's index. */
const id = (i: number) => `${createHash('sha256').update(String(i)).digest('base64url')}.${i % 2}`;

const lines = ['| ids stored | lookup of 2 000 new ids: wall (median of 5) | process CPU per lookup |', '|---:|---:|---:|'];
let n = 0;
for (const total of [0, 100_000, 500_000, 1_000_000, 2_000_000]) {
  for (; n < total; n += 2000) {
    await store.insertRows('ingest_ids', ingestIdRows(Array.from({ length: 2000 }, (_, k) => ({ tenant: 'anonymous', ingestId: id(n + k) }))), `bench-${n}`);
  }
  const ms: number[] = [];
  const c0 = process.cpuUsage();
  for (let r = 0; r < 5; r++) {
    const ids = Array.from({ length: 2000 }, (_, k) => id(100_000_000 + r * 2000 + k));
    const t0 = performance.now();
    await dedupe.stored(ids);
    ms.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  lines.push(`| ${n} | ${ms.sort((a, b) => a - b)[2]!.toFixed(1)} ms | ${((c.user + c.system) / 5000).toFixed(1)} ms |`);
  console.error(lines.at(-1));
}
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(lines.join('\n'));
