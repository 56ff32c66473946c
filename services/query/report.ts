/**
 * The service page (api.md `GET /api/v1/report/{service}`): where the service's time goes and what fixing it is
 * worth. From one window of the service (optionally one version) and a baseline (another version, another window,
 * or by default the window just before):
 *
 * - hot paths: the heaviest whole stacks, root first, with their share of the total;
 * - fix candidates: the functions with the most self time, and — for CPU types — the cores and monthly cost of
 *   that self time and the savings if it were halved or removed (cost.ts states the assumption);
 * - trend: the diff by share against the baseline (diff.ts `diffTable`), regressions first, each with the cores
 *   and monthly cost its share increase amounts to at the current total;
 * - owner, tier, rollout stage, label coverage and freshness (kpis.ts).
 *
 * A report of one version records its fix candidates (candidates-store.ts) for the optimization-yield KPI.
 */
import type { HotpathConfig } from '../../lib/config/index.ts';
import type { SettingsStore } from '../../lib/settings/service-settings.ts';
import type { Store } from '../../lib/store/store.ts';
import { recordCandidates } from './candidates-store.ts';
import { cores, isCpuType, monthlyCost, SAVINGS_ASSUMPTION, HOURS_PER_MONTH } from './cost.ts';
import { diffTable, share, type DiffRow } from './diff.ts';
import { labelSets, newestBuckets } from './fleet.ts';
import { freshnessSeconds, labelCoverage, type LabelCoverage } from './kpis.ts';
import { parseProfileTypeId } from '../../lib/query/selector.ts';
import type { RolloutStore } from './rollout-store.ts';
import { serviceSelection } from './service-selection.ts';
import { mergeStacks } from './stacks.ts';
import { topFunctions } from './top.ts';

export interface ReportRequest {
  tenant: string;
  service: string;
  profileTypeId: string;
  fromMs: number;
  untilMs: number;
  version?: string;
  baselineVersion?: string;
  baselineFromMs?: number;
  baselineUntilMs?: number;
  limit: number;
  nowMs: number;
}

export interface ReportDeps {
  store: Store;
  config: HotpathConfig;
  settings: SettingsStore;
  rollout: RolloutStore;
}

export interface Money {
  cores: number;
  monthlyCost: number | null;
}

export interface TrendRow {
  function: string;
  baselineSelf: bigint;
  comparisonSelf: bigint;
  baselineShare: number;
  comparisonShare: number;
  delta: number;
  /** CPU types: cores (and their monthly cost) the share change amounts to at the current total. */
  addedCores: number | null;
  addedMonthlyCost: number | null;
}

export interface Report {
  service: string;
  owner: string;
  tier: string;
  stage: string;
  frozen: boolean;
  profileType: string;
  unit: string;
  window: { fromMs: number; untilMs: number; seconds: number; version?: string };
  total: bigint;
  cost: { cpu: boolean; costPerCoreHour: number | null; hoursPerMonth: number; cores: number | null; monthlyCost: number | null; assumption: string };
  hotPaths: { frames: readonly string[]; value: bigint; share: number }[];
  fixCandidates: { function: string; self: bigint; selfShare: number; cores: number | null; monthlyCost: number | null; savingsIfHalved: number | null; savingsIfRemoved: number | null }[];
  trend: { baseline: { fromMs: number; untilMs: number; version?: string; total: bigint }; regressions: TrendRow[]; improvements: TrendRow[] };
  labelCoverage: LabelCoverage;
  freshnessSeconds: number | null;
}

/** The baseline side: explicit window and/or version; by default the window of the same length just before. */
export function baselineWindow(req: ReportRequest): { fromMs: number; untilMs: number; version?: string } {
  const explicitWindow = req.baselineFromMs !== undefined || req.baselineUntilMs !== undefined;
  if (req.baselineVersion !== undefined && !explicitWindow) return { fromMs: req.fromMs, untilMs: req.untilMs, version: req.baselineVersion };
  const length = req.untilMs - req.fromMs;
  const untilMs = req.baselineUntilMs ?? (req.baselineFromMs !== undefined ? req.baselineFromMs + length : req.fromMs);
  const fromMs = req.baselineFromMs ?? untilMs - length;
  return { fromMs, untilMs, version: req.baselineVersion ?? req.version };
}

export async function buildReport(deps: ReportDeps, req: ReportRequest, record = true): Promise<Report> {
  const { store, config, settings, rollout } = deps;
  const settingsNow = settings.get(req.tenant, req.service);
  const base = baselineWindow(req);
  const scope = { tenant: req.tenant, service: req.service, fromMs: req.fromMs, untilMs: req.untilMs };
  const [current, baseline, sets, newest, stage] = await Promise.all([
    mergeStacks(store, serviceSelection(req.tenant, req.profileTypeId, req.service, req.fromMs, req.untilMs, req.version), config.bucketSeconds),
    mergeStacks(store, serviceSelection(req.tenant, req.profileTypeId, req.service, base.fromMs, base.untilMs, base.version), config.bucketSeconds),
    labelSets(store, scope),
    newestBuckets(store, scope),
    rollout.get(req.tenant, req.service),
  ]);
  const seconds = (req.untilMs - req.fromMs) / 1000;
  const cpu = isCpuType(req.profileTypeId);
  const costPerCoreHour = settingsNow.costPerCoreHour ?? config.costPerCoreHour ?? null;
  const money = (value: bigint): Money | null => {
    if (!cpu) return null;
    const c = cores(value, seconds);
    return { cores: c, monthlyCost: costPerCoreHour === null ? null : monthlyCost(c, costPerCoreHour) };
  };
  const totalMoney = money(current.total);

  const hotPaths = [...current.stacks]
    .sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1))
    .slice(0, req.limit)
    .map((s) => ({ frames: s.frames, value: s.value, share: share(s.value, current.total) }));

  const fixCandidates = topFunctions(current.stacks, 'self', req.limit)
    .filter((r) => r.self > 0n)
    .map((r) => {
      const m = money(r.self);
      const cost = m?.monthlyCost ?? null;
      return {
        function: r.function,
        self: r.self,
        selfShare: share(r.self, current.total),
        cores: m?.cores ?? null,
        monthlyCost: cost,
        savingsIfHalved: cost === null ? null : cost / 2,
        savingsIfRemoved: cost,
      };
    });

  const trendRow = (r: DiffRow): TrendRow => {
    const addedCores = totalMoney ? r.selfShare.delta * totalMoney.cores : null;
    return {
      function: r.function,
      baselineSelf: r.baseline.self,
      comparisonSelf: r.comparison.self,
      baselineShare: r.selfShare.baseline,
      comparisonShare: r.selfShare.comparison,
      delta: r.selfShare.delta,
      addedCores,
      addedMonthlyCost: addedCores === null || costPerCoreHour === null ? null : monthlyCost(addedCores, costPerCoreHour),
    };
  };
  const table = diffTable(baseline.stacks, current.stacks, 'self');
  const regressions = table.rows.filter((r) => r.selfShare.delta > 0).slice(0, req.limit).map(trendRow);
  const improvements = table.rows
    .filter((r) => r.selfShare.delta < 0)
    .reverse()
    .slice(0, req.limit)
    .map(trendRow);

  if (record && req.version !== undefined && fixCandidates.length > 0) {
    await recordCandidates(store, req.tenant, req.service, req.profileTypeId, fixCandidates.map((c) => ({ version: req.version!, function: c.function, selfShare: c.selfShare })));
  }

  return {
    service: req.service,
    owner: settingsNow.owner,
    tier: settingsNow.tier,
    stage: stage.stage,
    frozen: stage.frozen,
    profileType: req.profileTypeId,
    unit: parseProfileTypeId(req.profileTypeId).sampleUnit,
    window: { fromMs: req.fromMs, untilMs: req.untilMs, seconds, version: req.version },
    total: current.total,
    cost: { cpu, costPerCoreHour, hoursPerMonth: HOURS_PER_MONTH, cores: totalMoney?.cores ?? null, monthlyCost: totalMoney?.monthlyCost ?? null, assumption: SAVINGS_ASSUMPTION },
    hotPaths,
    fixCandidates,
    trend: { baseline: { ...base, total: baseline.total }, regressions, improvements },
    labelCoverage: labelCoverage(sets, config.limits.recommendedLabels),
    freshnessSeconds: freshnessSeconds(newest.get(req.service), req.untilMs, req.nowMs),
  };
}
