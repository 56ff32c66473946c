/**
 * Baselines measured in the same run as the fleet: what the parts alone can do on this machine right now.
 * - decode-only, one core: pprof-format (gunzip + Profile.decode) and Hotpath's decoder (decodePprof) on the base file;
 * - bare ClickHouse (bare-clickhouse.ts, a separate process): insert of the rows the aggregator would write for
 *   the profiles the fleet sent, and the bare GROUP BY stack_id of /top's selection.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { decodePprof, type NormalizedProfile } from '../../lib/profile/index.ts';
import { Batch } from '../../services/aggregator/batch.ts';
import { CPU_TYPE_ID } from './freshness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Best of 5 rounds of ~300 ms after a warm-up: on a shared machine the best round is the least disturbed one. */
export function ratePerSecond(fn: () => unknown): number {
  const warm = performance.now() + 300;
  while (performance.now() < warm) fn();
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 300) {
      fn();
      n++;
      t = performance.now();
    }
    best = Math.max(best, (n * 1000) / (t - t0));
  }
  return best;
}

export function decodeRates(gz: Buffer): { pprofFormat: number; hotpath: number } {
  return {
    pprofFormat: ratePerSecond(() => Profile.decode(gunzipSync(gz))),
    hotpath: ratePerSecond(() => decodePprof(gz, { maxDecompressedBytes: 64 << 20 })),
  };
}

export interface BareResult {
  rows: number;
  profiles: number;
  jsonProfilesPerSecond: number;
  tsvProfilesPerSecond: number;
  jsonRowsPerSecond: number;
  groupByMs: number[];
  stacks: number;
}


const tsvEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');

/**
 * The aggregator's rows for `sent` (merged as it merges them: Batch, `perFlush` profiles per insert), inserted by
 * a separate embedded ClickHouse. `sent`: the normalized profiles of each profile sent (one service's, so the
 * scratch table holds exactly what Hotpath holds for the queried service); then the bare query for `service` over [fromS, untilS).
 */
export function bareClickHouse(sent: NormalizedProfile[][], perFlush: number, bucketSeconds: number, query: { service: string; fromS: number; untilS: number }): BareResult {
  const batches: string[] = [];
  const tsv: string[] = [];
  for (let i = 0; i < sent.length; i += perFlush) {
    const batch = new Batch(bucketSeconds, () => 'standard');
    for (const profiles of sent.slice(i, i + perFlush)) for (const p of profiles) batch.add(p);
    const rows = [...batch.sampleRows()];
    batches.push(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    tsv.push(rows.map((r) => [r.tenant, r.profile_type, r.service, r.fingerprint, r.bucket, r.stack_id, r.value, r.retention].map((v) => tsvEscape(String(v))).join('\t')).join('\n') + '\n');
  }
  const dir = mkdtempSync(join(tmpdir(), 'hotpath-bare-'));
  try {
    const inputFile = join(dir, 'input.json');
    writeFileSync(
      inputFile,
      JSON.stringify({ dir: join(dir, 'ch'), batches, tsv, repeats: 20, query: { tenant: 'anonymous', profileType: CPU_TYPE_ID, ...query } }),
    );
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'loadtest/fleet/bare-clickhouse.ts', inputFile], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { rows: number; jsonSeconds: number; tsvSeconds: number; groupByMs: number[]; stacks: number };
    return {
      rows: r.rows,
      profiles: sent.length,
      jsonProfilesPerSecond: sent.length / r.jsonSeconds,
      tsvProfilesPerSecond: sent.length / r.tsvSeconds,
      jsonRowsPerSecond: r.rows / r.jsonSeconds,
      groupByMs: r.groupByMs,
      stacks: r.stacks,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
