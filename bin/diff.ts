/**
 * `hotpath diff`: the ranked before/after function table of two selections (the server's `GET /api/v1/diff`), for
 * a terminal (`--format table`, default), a pull request (`--format markdown`, with the guard's verdict when a
 * threshold is given) or tools (`--format json`: the rows and totals exactly as the API answered them).
 *
 *   hotpath diff --baseline '<query>' --comparison '<query>' [--from/--until per side] [--limit 20]
 *                [--sort self|total] [--format table|markdown|json] [--max-share-increase x [--function f]…]
 */
import { parseArgs } from 'node:util';
import { GUARD_OPTIONS, guardRules, violationLines, type GuardAnswer } from './guard.ts';
import { callApi, pct, pp, REMOTE_OPTIONS, REMOTE_USAGE, remoteFrom, runRemote, SIDE_OPTIONS, sidesFrom, UsageError, type Side } from './remote.ts';

export const DIFF_USAGE = `usage: hotpath diff --baseline '<query>' --comparison '<query>' [options]
  --from, --until (and --baseline-from/-until, --comparison-from/-until)   windows, as for hotpath guard
  --limit <n>                      rows (default 20)
  --sort self|total                rank by self or total share change (default self)
  --format table|markdown|json     terminal table, pull-request markdown, or the API's JSON (default table)
  --max-share-increase <share>     add the guard's verdict (markdown, json); with --function, --max-total-increase
${REMOTE_USAGE}`;

interface Values {
  self: number | string;
  total: number | string;
}
interface Share {
  baseline: number;
  comparison: number;
  delta: number;
}
export interface DiffAnswer {
  unit: string;
  baseline: { total: number | string };
  comparison: { total: number | string };
  rows: { function: string; baseline: Values; comparison: Values; selfShare: Share; totalShare: Share }[];
}

function diffPath(sides: { baseline: Side; comparison: Side }, limit: string, sort: string): string {
  const p = new URLSearchParams({ baseline: sides.baseline.query, comparison: sides.comparison.query, limit, sort, maxNodes: '1' });
  const put = (k: string, v: string | undefined) => v !== undefined && p.set(k, v);
  put('baselineFrom', sides.baseline.from);
  put('baselineUntil', sides.baseline.until);
  put('comparisonFrom', sides.comparison.from);
  put('comparisonUntil', sides.comparison.until);
  return `/api/v1/diff?${p}`;
}

/** One row's cells: rank, function, baseline share, comparison share, change, baseline value, comparison value. */
function cells(d: DiffAnswer, sort: 'self' | 'total'): string[][] {
  return d.rows.map((r, i) => {
    const s = sort === 'self' ? r.selfShare : r.totalShare;
    return [String(i + 1), r.function, pct(s.baseline), pct(s.comparison), pp(s.delta), String(r.baseline[sort]), String(r.comparison[sort])];
  });
}

const heads = (sort: string, unit: string) => ['#', 'function', `baseline ${sort} share`, `comparison ${sort} share`, 'change', `baseline ${sort} (${unit})`, `comparison ${sort} (${unit})`];

export function renderTable(d: DiffAnswer, sort: 'self' | 'total'): string {
  const rows = [heads(sort, d.unit), ...cells(d, sort)];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const numeric = (c: number) => c !== 1;
  const line = (r: string[]) => r.map((v, c) => (numeric(c) ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd();
  return `${[line(rows[0]!), ...rows.slice(1).map(line)].join('\n')}\ntotals: baseline ${d.baseline.total}, comparison ${d.comparison.total} ${d.unit}\n`;
}

const mdCell = (v: string) => v.replace(/\|/g, '\\|');

export function renderMarkdown(d: DiffAnswer, sort: 'self' | 'total', guard?: GuardAnswer): string {
  const h = heads(sort, d.unit);
  const out = [`| ${h.join(' | ')} |`, `|${h.map((_, c) => (c === 1 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of cells(d, sort)) out.push(`| ${r.map((v, c) => (c === 1 ? `\`${mdCell(v)}\`` : v)).join(' | ')} |`);
  out.push('', `Totals: baseline ${d.baseline.total}, comparison ${d.comparison.total} ${d.unit}. Shares are of each side's total.`);
  if (guard) {
    out.push('', guard.pass ? '**Guard: pass**' : `**Guard: regression** (${guard.violations.length})`);
    if (!guard.pass) out.push(...violationLines(guard.violations).map((l) => `- ${l.trim()}`));
  }
  return `${out.join('\n')}\n`;
}

export async function diffCommand(argv: string[]): Promise<number> {
  return runRemote('diff', DIFF_USAGE, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...SIDE_OPTIONS, ...REMOTE_OPTIONS, ...GUARD_OPTIONS, limit: { type: 'string' }, sort: { type: 'string' }, format: { type: 'string' } },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const sort = values.sort ?? 'self';
    if (sort !== 'self' && sort !== 'total') throw new UsageError(`--sort must be self or total, got ${JSON.stringify(sort)}`);
    const format = values.format ?? 'table';
    if (!['table', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be table, markdown or json, got ${JSON.stringify(format)}`);
    const limit = values.limit ?? '20';
    if (!/^[1-9]\d*$/.test(limit)) throw new UsageError(`--limit must be a positive integer, got ${JSON.stringify(limit)}`);
    const sides = sidesFrom(values);
    const withGuard = values['max-share-increase'] !== undefined || values['max-total-increase'] !== undefined;
    const rules = withGuard ? guardRules(values) : undefined;
    const remote = remoteFrom(values);
    const answer = await callApi<DiffAnswer & { flamegraph?: unknown }>(remote, 'GET', diffPath(sides, limit, sort));
    const diff: DiffAnswer = { unit: answer.unit, baseline: answer.baseline, comparison: answer.comparison, rows: answer.rows };
    const guard = rules ? await callApi<GuardAnswer>(remote, 'POST', '/api/v1/guard', { ...sides, rules }) : undefined;
    if (format === 'json') process.stdout.write(`${JSON.stringify(guard ? { ...diff, guard } : diff, null, 2)}\n`);
    else if (format === 'markdown') process.stdout.write(renderMarkdown(diff, sort, guard));
    else process.stdout.write(renderTable(diff, sort) + (guard ? `${guard.pass ? 'guard: pass' : `guard: regression\n${violationLines(guard.violations).join('\n')}`}\n` : ''));
    return 0;
  });
}
