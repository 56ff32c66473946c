/**
 * Decode-only throughput, one core: pprof-format vs our reader, on the same bytes. Run:
 *   node --import tsx lib/profile/bench-decode.ts [file …]
 * Rates count raw (uncompressed) pprof bytes, so gzip'd and plain inputs compare; each is the best of 7 rounds. Rows:
 *   pprof-format          gunzip (if gz) + Profile.decode — what a pprof-format based ingest would pay
 *   ours: decodePprof     gunzip (if gz) + our reader + reference checks (the ingest path's decode step)
 *   ours: read only       our reader alone on the raw bytes (no gunzip, no checks)
 *   ours: + normalize     decodePprof + normalizePprof (the whole model step, for scale)
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Profile } from 'pprof-format';
import { decodePprof } from './decode.ts';
import { inflatePprof, isGzip } from './gunzip.ts';
import { normalizePprof } from './normalize.ts';
import { readPprof } from './pprof-reader.ts';

const TESTDATA = '/work/shared/testdata/profiles';
const DEFAULT_FILES = ['go-cpu-pprof-labels.pprof', 'go-heap-alloc-objects.pb.gz', 'go-heap-41k-samples.pprof'];
const CAP = 256 * 1024 * 1024;

/**
 * Runs `fn` in 7 rounds of about 250 ms after a warm-up and returns the best round's runs per second: on a shared
 * machine the best round is the one least disturbed by other processes, so it is the steadiest estimate of one core.
 */
function rate(fn: () => unknown): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn();
  let best = 0;
  for (let round = 0; round < 7; round++) {
    let runs = 0;
    const start = performance.now();
    let now = start;
    while (now - start < 250) {
      fn();
      runs++;
      now = performance.now();
    }
    best = Math.max(best, (runs * 1000) / (now - start));
  }
  return best;
}

const files = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_FILES.map((f) => join(TESTDATA, f));
const rows: string[][] = [['file', 'raw KB', 'decoder', 'profiles/s', 'MB/s raw', 'vs pprof-format']];
for (const file of files) {
  const bytes = readFileSync(file);
  const raw = inflatePprof(bytes, CAP);
  const mb = raw.length / 1e6;
  const gz = isGzip(bytes);
  const cases: [string, () => unknown][] = [
    ['pprof-format', () => Profile.decode(gz ? inflatePprof(bytes, CAP) : bytes)],
    ['ours: decodePprof', () => decodePprof(bytes, { maxDecompressedBytes: CAP })],
    ['ours: read only', () => readPprof(raw)],
    [
      'ours: + normalize',
      () => normalizePprof(decodePprof(bytes, { maxDecompressedBytes: CAP }), { tenant: 't', labels: { service_name: 'bench' }, timeFallbackMs: 0 }),
    ],
  ];
  let baseline = 0;
  for (const [name, fn] of cases) {
    const r = rate(fn);
    if (baseline === 0) baseline = r;
    rows.push([
      `${basename(file)}${gz ? ` (gz ${(bytes.length / 1024).toFixed(0)} KB)` : ''}`,
      (raw.length / 1024).toFixed(0),
      name,
      r.toFixed(0),
      (r * mb).toFixed(1),
      `${(r / baseline).toFixed(1)}x`,
    ]);
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
