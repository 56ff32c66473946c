/**
 * Derived guardrail metrics per service on `/metrics`, for Prometheus alert rules: the top function's self share,
 * the CPU cores profiled, stored profiles/s against the budget, and the age of the newest data. Declared here (in
 * the one registry of metrics.ts); their values come from a source the query role installs
 * (services/query/guardrail-metrics.ts), read at scrape time. Without a source (a process with no query role) the
 * gauges are empty.
 */
import { Gauge } from 'prom-client';
import { registry } from './metrics.ts';

export interface GuardrailFigure {
  tenant: string;
  service: string;
  topFunctionShare?: number;
  cpuCores?: number;
  /** Stored profiles/s ÷ budget profilesPerSecond; absent without a budget. */
  ingestBudgetRatio?: number;
  freshnessSeconds?: number;
}

type Source = () => Promise<GuardrailFigure[]>;
let source: Source | undefined;

export function setGuardrailSource(fn: Source | undefined): void {
  source = fn;
}

/** One read of the source per scrape, however many gauges ask. */
let pending: Promise<GuardrailFigure[]> | undefined;
function figures(): Promise<GuardrailFigure[]> {
  if (!source) return Promise.resolve([]);
  // A source that fails leaves the gauges empty for this scrape instead of failing all of /metrics.
  pending ??= source()
    .catch(() => [])
    .finally(() => setTimeout(() => (pending = undefined), 0));
  return pending;
}

const LABELS = ['tenant', 'service'] as const;

function derived(name: string, help: string, pick: (f: GuardrailFigure) => number | undefined): Gauge<(typeof LABELS)[number]> {
  return new Gauge({
    name,
    help,
    labelNames: LABELS,
    registers: [registry],
    async collect() {
      this.reset();
      for (const f of await figures()) {
        const v = pick(f);
        if (v !== undefined) this.set({ tenant: f.tenant, service: f.service }, v);
      }
    },
  });
}

derived('hotpath_service_top_function_share', 'Self share of the service\'s heaviest CPU function over the guardrail window (0..1)', (f) => f.topFunctionShare);
derived('hotpath_service_cpu_cores', 'CPU cores profiled for the service, averaged over the guardrail window', (f) => f.cpuCores);
derived('hotpath_service_ingest_budget_ratio', 'Stored profiles per second over the guardrail window divided by the service budget (absent without a budget)', (f) => f.ingestBudgetRatio);
derived('hotpath_service_freshness_seconds', 'Age in seconds of the service\'s newest stored data', (f) => f.freshnessSeconds);
