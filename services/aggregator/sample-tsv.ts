/**
 * Sample rows as TabSeparated text for `samples_raw`: the batch's biggest insert by far (one row per series ×
 * bucket × stack). Text built straight from the rows parses faster in ClickHouse than JSONEachRow and skips
 * clickhouse-js's per-row JSON.stringify (loadtest/fleet measures both: BENCHMARKS.md). Numbers are written as they
 * are (`bucket` as a unix timestamp, which a DateTime column reads as such); strings are escaped as TSV requires.
 *
 * The rows of a group (one series and bucket) share every column but stack_id and value, so the text is written
 * into one Buffer: each group's shared columns encoded once, each row only its id and value as ASCII digits. No
 * string per row is made (per-row strings and their UTF-8 conversion were ~9 % of the gateway's main thread).
 */
import { FormattedRows } from '../../lib/store/store.ts';
import type { SampleGroup, SampleRow } from './batch.ts';

export const SAMPLE_COLUMNS = ['tenant', 'profile_type', 'service', 'fingerprint', 'bucket', 'stack_id', 'value', 'retention', 'version'] as const;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** TabSeparated escaping of a string field (backslash, tab, line feed, carriage return). */
export function tsvString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Most bytes a row's own columns take: a stack id (≤ 20 digits), a tab, a safe integer (sign + ≤ 16 digits). */
const ROW_OWN_BYTES = 20 + 1 + 17;
const TAB = 9;
const MINUS = 45;
const ZERO = 48;

/** Writes ASCII `s` (digits: stack ids are unsigned decimals) at `pos`; returns the end. */
function writeAscii(buf: Buffer, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
  return pos;
}

/** Writes safe integer `v` in decimal at `pos`; returns the end. */
function writeInt(buf: Buffer, pos: number, v: number): number {
  if (v < 0) {
    buf[pos++] = MINUS;
    v = -v;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  let at = pos + digits;
  const end = at;
  do {
    const q = Math.floor(v / 10);
    buf[--at] = ZERO + (v - q * 10);
    v = q;
  } while (v > 0);
  return end;
}

/** Each group's rows in SAMPLE_COLUMNS order, one line each, then `overflow`'s. */
export function sampleGroupsTsv(groups: Iterable<SampleGroup>, overflow: readonly SampleRow[] = []): FormattedRows {
  const parts: { prefix: Buffer; suffix: Buffer; values: Map<string, number> }[] = [];
  const escaped = new Map<string, string>();
  const esc = (s: string) => {
    let e = escaped.get(s);
    if (e === undefined) escaped.set(s, (e = tsvString(s)));
    return e;
  };
  let bound = 0;
  let rows = 0;
  const add = (g: Omit<SampleGroup, 'values'>, values: Map<string, number>) => {
    const prefix = Buffer.from(`${esc(g.tenant)}\t${esc(g.profile_type)}\t${esc(g.service)}\t${g.fingerprint}\t${g.bucket}\t`, 'utf8');
    const suffix = Buffer.from(`\t${esc(g.retention)}\t${esc(g.version)}\n`, 'utf8');
    parts.push({ prefix, suffix, values });
    bound += values.size * (prefix.length + ROW_OWN_BYTES + suffix.length);
    rows += values.size;
  };
  for (const g of groups) if (g.values.size > 0) add(g, g.values);
  for (const r of overflow) add(r, new Map([[r.stack_id, r.value]]));

  const buf = Buffer.allocUnsafe(bound);
  let pos = 0;
  for (const { prefix, suffix, values } of parts) {
    for (const [stackId, value] of values) {
      pos += prefix.copy(buf, pos);
      pos = writeAscii(buf, pos, stackId);
      buf[pos++] = TAB;
      pos = writeInt(buf, pos, value);
      pos += suffix.copy(buf, pos);
    }
  }
  return new FormattedRows('TabSeparated', SAMPLE_COLUMNS, buf.subarray(0, pos), rows);
}

/** `rows` in SAMPLE_COLUMNS order, one line each (each row its own group). */
export function sampleRowsTsv(rows: Iterable<SampleRow>): FormattedRows {
  return sampleGroupsTsv([], [...rows]);
}
