/**
 * `hotpath report <service>`: the service page (`GET /api/v1/report/{service}`) in a terminal — owner, cost, fix
 * candidates with savings, regressions against the baseline, hot paths — or its JSON (`--format json`).
 */
import { parseArgs } from 'node:util';
import type { ReportJson } from '../services/query/operate-routes.ts';
import { callApi, pct, pp, REMOTE_OPTIONS, REMOTE_USAGE, remoteFrom, runRemote, UsageError } from './remote.ts';

export const REPORT_USAGE = `usage: hotpath report <service> [options]
  --from, --until                   window (default now-1h, now)
  --version <v>                     only this version (its fix candidates are recorded for the yield KPI)
  --baseline-version <v>            trend against this version (same window unless --baseline-from/-until)
  --baseline-from, --baseline-until trend against this window (default: the window just before)
  --profile-type <id>               default process_cpu:cpu:nanoseconds:cpu:nanoseconds
  --limit <n>                       rows per section (default 10)
  --format text|json
${REMOTE_USAGE}`;

type ReportAnswer = ReportJson;

const num = (v: number | null, digits: number) => (v === null ? 'n/a' : v.toFixed(digits));

export function renderReportText(r: ReportAnswer): string {
  const out = [
    `${r.service} — owner ${r.owner || '(none)'}, tier ${r.tier}, stage ${r.stage}${r.frozen ? ' (frozen)' : ''}`,
    `${r.profileType} ${r.window.from} … ${r.window.until}${r.window.version ? ` version ${r.window.version}` : ''}: total ${r.total} ${r.unit}`,
  ];
  if (r.cost.cpu) out.push(`cores ${num(r.cost.cores, 4)}, monthly cost ${num(r.cost.monthlyCost, 2)} at ${r.cost.costPerCoreHour ?? 'n/a'} per core-hour`);
  out.push(`label coverage ${r.labelCoverage.all === null ? 'n/a' : pct(r.labelCoverage.all)} of ${r.labelCoverage.profiles} profiles; freshness ${r.freshnessSeconds ?? 'n/a'} s`, '', 'fix candidates (self share, monthly cost, savings if halved / removed):');
  for (const c of r.fixCandidates) out.push(`  ${pct(c.selfShare).padStart(7)}  ${num(c.monthlyCost, 2).padStart(10)}  ${num(c.savingsIfHalved, 2)} / ${num(c.savingsIfRemoved, 2)}  ${c.function}`);
  out.push(`  (${r.cost.assumption})`, '', `regressions vs ${r.trend.baseline.version ? `version ${r.trend.baseline.version}` : `${r.trend.baseline.from} … ${r.trend.baseline.until}`}:`);
  for (const t of r.trend.regressions) out.push(`  ${pp(t.delta).padStart(10)}  ${pct(t.baselineShare)} → ${pct(t.comparisonShare)}  +${num(t.addedMonthlyCost, 2)}/month  ${t.function}`);
  if (r.trend.regressions.length === 0) out.push('  none');
  out.push('', 'hot paths:');
  for (const h of r.hotPaths) out.push(`  ${pct(h.share).padStart(7)}  ${h.frames.join(' > ')}`);
  return `${out.join('\n')}\n`;
}

export async function reportCommand(argv: string[]): Promise<number> {
  return runRemote('report', REPORT_USAGE, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...REMOTE_OPTIONS,
        from: { type: 'string' },
        until: { type: 'string' },
        version: { type: 'string' },
        'baseline-version': { type: 'string' },
        'baseline-from': { type: 'string' },
        'baseline-until': { type: 'string' },
        'profile-type': { type: 'string' },
        limit: { type: 'string' },
        format: { type: 'string' },
      },
    });
    const [service, ...extra] = positionals;
    if (!service) throw new UsageError('a service name is required');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got ${JSON.stringify(format)}`);
    const p = new URLSearchParams();
    const put = (k: string, v: string | undefined) => v !== undefined && p.set(k, v);
    put('from', values.from);
    put('until', values.until);
    put('version', values.version);
    put('baselineVersion', values['baseline-version']);
    put('baselineFrom', values['baseline-from']);
    put('baselineUntil', values['baseline-until']);
    put('profileType', values['profile-type']);
    put('limit', values.limit);
    const report = await callApi<ReportAnswer>(remoteFrom(values), 'GET', `/api/v1/report/${encodeURIComponent(service)}?${p}`);
    process.stdout.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReportText(report));
    return 0;
  });
}
