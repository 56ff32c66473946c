/**
 * The service page for browsers: the report (report.ts) as one server-rendered HTML page — no scripts, no build
 * step, every figure the JSON has. Every string from the data is escaped.
 */
import type { Report, TrendRow } from './report.ts';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(2)}%`);
const signedPct = (v: number): string => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} pp`;
const money = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(2));
const coresText = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));
const when = (ms: number): string => new Date(ms).toISOString();

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

function trendTable(rows: TrendRow[]): string {
  if (rows.length === 0) return '<p>None.</p>';
  return table(
    ['function', 'baseline share', 'current share', 'change', 'cores', 'monthly cost'],
    rows.map((r) => [`<code>${escapeHtml(r.function)}</code>`, pct(r.baselineShare), pct(r.comparisonShare), signedPct(r.delta), coresText(r.addedCores), money(r.addedMonthlyCost)]),
  );
}

export function renderReportHtml(r: Report): string {
  const title = `Hotpath — ${r.service}`;
  const base = r.trend.baseline;
  const coverage = Object.entries(r.labelCoverage.byLabel)
    .map(([k, v]) => `${escapeHtml(k)} ${pct(v)}`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}code{font-size:12px}.note{color:#555}</style></head>
<body>
<h1>${escapeHtml(r.service)}</h1>
<p>Owner: <b>${escapeHtml(r.owner || '(none)')}</b> · tier ${escapeHtml(r.tier)} · rollout stage ${escapeHtml(r.stage)}${r.frozen ? ' (frozen)' : ''}</p>
<p>${escapeHtml(r.profileType)} from ${when(r.window.fromMs)} to ${when(r.window.untilMs)} (${r.window.seconds} s)${r.window.version ? ` · version ${escapeHtml(r.window.version)}` : ''} · total ${r.total.toString()} ${escapeHtml(r.unit)}</p>
<p>${r.cost.cpu ? `CPU: ${coresText(r.cost.cores)} cores on average · ${money(r.cost.monthlyCost)} per month at ${r.cost.costPerCoreHour ?? 'n/a'} per core-hour` : 'Not a CPU profile type: no cost figures.'}</p>
<p>Label coverage: ${pct(r.labelCoverage.all)} of ${r.labelCoverage.profiles} profiles carry every recommended label (${coverage}) · freshness ${r.freshnessSeconds === null ? 'no data' : `${r.freshnessSeconds} s`}</p>

<h2>Fix candidates</h2>
<p class="note">${escapeHtml(r.cost.assumption)}</p>
${table(
  ['function', 'self share', 'cores', 'monthly cost', 'savings if halved', 'savings if removed'],
  r.fixCandidates.map((c) => [`<code>${escapeHtml(c.function)}</code>`, pct(c.selfShare), coresText(c.cores), money(c.monthlyCost), money(c.savingsIfHalved), money(c.savingsIfRemoved)]),
)}

<h2>Trend vs baseline</h2>
<p>Baseline: ${when(base.fromMs)} to ${when(base.untilMs)}${base.version ? ` · version ${escapeHtml(base.version)}` : ''} · total ${base.total.toString()}. Self share, change in percentage points.</p>
<h3>Regressions</h3>
${trendTable(r.trend.regressions)}
<h3>Improvements</h3>
${trendTable(r.trend.improvements)}

<h2>Hot paths</h2>
${table(
  ['share', 'stack (root → leaf)'],
  r.hotPaths.map((h) => [pct(h.share), h.frames.map((f) => `<code>${escapeHtml(f)}</code>`).join(' → ')]),
)}
</body></html>
`;
}
