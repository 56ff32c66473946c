/**
 * What the aggregator's samples inserts cost the whole process in CPU, background merges included: the embedded
 * engine runs in our process, so process.cpuUsage() counts its insert and merge threads. Inserts the same rows with
 * and without SUMMED_INSERT (lib/store/store.ts), alternately, each in its own process and store, and prints the CPU of the
 * inserts and of the 20 s after them (the merges they cause).
 *
 *   node --import tsx loadtest/store-cpu-bench.ts [--inserts 120] [--profiles 300] [--rounds 2]
 *
 * Rows are shaped as the fleet's batches are (loadtest/fleet): 300 profiles of 60 stacks per insert, over 3 000
 * series and six 10 s buckets.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SampleRow } from '../services/aggregator/batch.ts';
import { sampleRowsTsv } from '../services/aggregator/sample-tsv.ts';
import { loadConfig } from '../lib/config/index.ts';
import { Store, SUMMED_INSERT } from '../lib/store/store.ts';

const { values } = parseArgs({
  options: {
    inserts: { type: 'string', default: '120' },
    profiles: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '2' },
    /** Internal: run one case in this process. */
    case: { type: 'string' },
  },
});
const inserts = Number(values.inserts);
const profiles = Number(values.profiles);

function batch(i: number): ReturnType<typeof sampleRowsTsv> {
  const bucket = Math.floor(Date.now() / 10_000) * 10 - 600 + 10 * Math.floor((6 * i) / inserts);
  const out: SampleRow[] = [];
  for (let p = 0; p < profiles; p++) {
    const fingerprint = String(1 + ((i * profiles + p) % 3000));
    for (let s = 0; s < 60; s++) {
      out.push({
        tenant: 'anonymous',
        profile_type: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
        service: `svc-${p % 10}`,
        fingerprint,
        bucket,
        stack_id: String((BigInt(s * 7919 + (p % 13)) * 2654435761n) % 18446744073709551557n),
        value: 10_000_000 * (1 + (s % 17)),
        retention: 'standard',
        version: `v${p % 2}`,
      });
    }
  }
  return sampleRowsTsv(out);
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

/** One case, in this process (the embedded engine opens one data directory per process). */
async function measure(summed: boolean): Promise<{ wall: number; during: number; total: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hotpath-store-cpu-'));
  const store = await Store.open(loadConfig({ HOTPATH_DATA_DIR: dir }));
  const bodies = Array.from({ length: inserts }, (_, i) => batch(i));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < bodies.length; i++) await store.insertRows('samples_raw', bodies[i]!, `cpu-bench-${i}`, summed ? SUMMED_INSERT : undefined);
  const wall = performance.now() - t0;
  const during = cpuMs(process.cpuUsage(c0));
  await new Promise((r) => setTimeout(r, 20_000));
  const total = cpuMs(process.cpuUsage(c0));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { wall, during, total };
}

if (values.case) {
  console.log(JSON.stringify(await measure(values.case === 'summed')));
} else {
  const lines = ['| insert settings | wall of the inserts | CPU of the inserts | CPU incl. the 20 s after |', '|---|---:|---:|---:|'];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const c of ['default', 'summed']) {
      const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--case', c, '--inserts', String(inserts), '--profiles', String(profiles)];
      const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').at(-1)!);
      lines.push(`| ${c === 'summed' ? 'SUMMED_INSERT' : 'default'} | ${r.wall.toFixed(0)} ms | ${r.during.toFixed(0)} ms | ${r.total.toFixed(0)} ms |`);
      console.error(lines.at(-1));
    }
  }
  console.log(`${inserts} inserts of ${profiles * 60} rows each into samples_raw (and its four views), each case in its own process\n\n${lines.join('\n')}`);
}
