/**
 * Sample rows as TabSeparated text for `samples_raw`: the batch's biggest insert by far (one row per series ×
 * bucket × stack). Text built straight from the rows parses faster in ClickHouse than JSONEachRow and skips
 * clickhouse-js's per-row JSON.stringify (loadtest/fleet measures both: BENCHMARKS.md). Numbers are written as they
 * are (`bucket` as a unix timestamp, which a DateTime column reads as such); strings are escaped as TSV requires.
 */
import { FormattedRows } from '../../lib/store/store.ts';
import type { SampleRow } from './batch.ts';

export const SAMPLE_COLUMNS = ['tenant', 'profile_type', 'service', 'fingerprint', 'bucket', 'stack_id', 'value', 'retention', 'version'] as const;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** TabSeparated escaping of a string field (backslash, tab, line feed, carriage return). */
export function tsvString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** `rows` in SAMPLE_COLUMNS order, one line each. The string fields repeat across rows, so each is escaped once. */
export function sampleRowsTsv(rows: Iterable<SampleRow>): FormattedRows {
  const escaped = new Map<string, string>();
  const esc = (s: string) => {
    let e = escaped.get(s);
    if (e === undefined) escaped.set(s, (e = tsvString(s)));
    return e;
  };
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${esc(r.tenant)}\t${esc(r.profile_type)}\t${esc(r.service)}\t${r.fingerprint}\t${r.bucket}\t${r.stack_id}\t${r.value}\t${esc(r.retention)}\t${esc(r.version)}\n`);
  }
  return new FormattedRows('TabSeparated', SAMPLE_COLUMNS, lines.join(''), lines.length);
}
