/**
 * The figures behind the guardrail gauges (lib/telemetry/guardrails.ts), per tenant and service with data in the
 * last 5 minutes — the window an alert rule evaluates. Computed at scrape time, at most every 15 s (a scrape in
 * between gets the last figures), so a busy scraper costs ClickHouse one pass per 15 s: per service one summed
 * stacks query (mergeStacks, CPU type) plus the shared fleet facts.
 */
import type { HotpathConfig } from '../../lib/config/index.ts';
import type { SettingsStore } from '../../lib/settings/service-settings.ts';
import type { Store } from '../../lib/store/store.ts';
import { setGuardrailSource, type GuardrailFigure } from '../../lib/telemetry/guardrails.ts';
import { cores } from './cost.ts';
import { share } from './diff.ts';
import { labelSets, newestBuckets } from './fleet.ts';
import { freshnessSeconds, ingestVsBudget, profileCount } from './kpis.ts';
import { CPU_PROFILE_TYPE, serviceSelection } from './service-selection.ts';
import { mergeStacks } from './stacks.ts';
import { topFunctions } from './top.ts';

export const GUARDRAIL_WINDOW_SECONDS = 300;
const REFRESH_MS = 15_000;

export async function guardrailFigures(store: Store, config: HotpathConfig, settings: SettingsStore, nowMs: number): Promise<GuardrailFigure[]> {
  const untilMs = nowMs;
  const fromMs = nowMs - GUARDRAIL_WINDOW_SECONDS * 1000;
  const tenants = await store.select<{ tenant: string }>(
    'SELECT DISTINCT tenant FROM samples_raw WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({until:UInt32})',
    { from: Math.floor(fromMs / 1000), until: Math.ceil(untilMs / 1000) },
  );
  const out: GuardrailFigure[] = [];
  for (const { tenant } of tenants) {
    const scope = { tenant, fromMs, untilMs };
    const [sets, newest] = await Promise.all([labelSets(store, scope), newestBuckets(store, scope)]);
    for (const service of [...new Set(sets.map((s) => s.service))].sort()) {
      const profiles = profileCount(sets.filter((s) => s.service === service));
      const ingest = ingestVsBudget(profiles, GUARDRAIL_WINDOW_SECONDS, settings.get(tenant, service).budget);
      const cpu = await mergeStacks(store, serviceSelection(tenant, CPU_PROFILE_TYPE, service, fromMs, untilMs), config.bucketSeconds);
      const top = topFunctions(cpu.stacks, 'self', 1)[0];
      out.push({
        tenant,
        service,
        topFunctionShare: top && cpu.total > 0n ? share(top.self, cpu.total) : undefined,
        cpuCores: cpu.total > 0n ? cores(cpu.total, GUARDRAIL_WINDOW_SECONDS) : undefined,
        ingestBudgetRatio: ingest.ratio ?? undefined,
        freshnessSeconds: freshnessSeconds(newest.get(service), untilMs, nowMs) ?? undefined,
      });
    }
  }
  return out;
}

/** Installs the figures as the guardrail gauges' source, cached for 15 s. */
export function installGuardrailMetrics(store: Store, config: HotpathConfig, settings: SettingsStore): void {
  let last: { at: number; figures: Promise<GuardrailFigure[]> } | undefined;
  setGuardrailSource(() => {
    const now = Date.now();
    if (!last || now - last.at >= REFRESH_MS) {
      const figures = guardrailFigures(store, config, settings, now);
      last = { at: now, figures };
      // A failed computation is not cached: the next scrape tries again.
      figures.catch(() => (last = undefined));
    }
    return last.figures;
  });
}
