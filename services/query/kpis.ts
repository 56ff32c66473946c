/**
 * The KPI pack (api.md `GET /api/v1/kpis`), per service, from the fleet facts of fleet.ts:
 *
 * - coverage: profiles received vs expected from the pods seen. Per pod (label `pod`; series without one count as
 *   one pod ""), received = raw buckets with data, expected = floor((last − first) / interval) + 1 over the pod's
 *   own first..last bucket — a pod that started or stopped inside the window is expected only while it lived. The
 *   interval is the agents' upload interval (default: the raw bucket, 10 s, the Pyroscope SDKs' default).
 * - label contract coverage: share of profiles carrying each recommended label (HOTPATH_LIMIT_RECOMMENDED_LABELS;
 *   `a|b` = either), and carrying all of them.
 * - symbol coverage: per build id (label `build_id`, "" without one), the distinct frames of the stacks with data
 *   and how many are unsymbolized (symbols.ts).
 * - freshness: seconds from the newest raw bucket with data to the window's end (or now, if earlier).
 * - ingest vs budget: stored profiles per second over the window vs the budget's profilesPerSecond. Bytes are not
 *   stored per service (the gateway counts bytes per tenant: hotpath_received_bytes_total), so only profiles are.
 * - storage per tier: rows stored per samples table (raw and each rollup), with the service's retention tier.
 * - optimization yield: yield.ts.
 */
import type { HotpathConfig } from '../../lib/config/index.ts';
import { lookupLabel } from '../../lib/labels/names.ts';
import type { Budget, SettingsStore } from '../../lib/settings/service-settings.ts';
import type { Store } from '../../lib/store/store.ts';
import { missingRecommended } from '../ingest/label-contract.ts';
import { labelSets, newestBuckets, storedRows, symbolCoverage, type BuildSymbols, type FleetScope, type LabelSetFacts } from './fleet.ts';
import { FIRST_STAGE, type RolloutStore } from './rollout-store.ts';
import { optimizationYield, versionsInOrder, type OptimizationYield } from './yield.ts';

export interface ArrivalCoverage {
  pods: number;
  received: number;
  expected: number;
  /** received / expected; null without data. */
  ratio: number | null;
  intervalSeconds: number;
}

export interface LabelCoverage {
  profiles: number;
  /** Share of profiles carrying every recommended label; null without data. */
  all: number | null;
  byLabel: Record<string, number | null>;
}

export interface SymbolCoverage {
  frames: number;
  unsymbolized: number;
  unsymbolizedShare: number | null;
  byBuildId: { buildId: string; frames: number; unsymbolized: number; unsymbolizedShare: number | null }[];
}

export interface IngestVsBudget {
  profiles: number;
  profilesPerSecond: number;
  budgetProfilesPerSecond: number | null;
  /** profilesPerSecond / budget; null without a budget. */
  ratio: number | null;
  sampleOneIn: number | null;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

export function arrivalCoverage(sets: readonly LabelSetFacts[], intervalSeconds: number): ArrivalCoverage {
  const byPod = new Map<string, Set<number>>();
  for (const s of sets) {
    const pod = lookupLabel(s.labels, 'pod') ?? '';
    const buckets = byPod.get(pod) ?? new Set<number>();
    for (const b of s.buckets) buckets.add(b);
    byPod.set(pod, buckets);
  }
  let received = 0;
  let expected = 0;
  for (const buckets of byPod.values()) {
    const sorted = [...buckets].sort((a, b) => a - b);
    received += sorted.length;
    expected += Math.floor((sorted[sorted.length - 1]! - sorted[0]!) / intervalSeconds) + 1;
  }
  return { pods: byPod.size, received, expected, ratio: ratio(received, expected), intervalSeconds };
}

/** Profiles (label set × raw bucket) in the facts. */
export function profileCount(sets: readonly LabelSetFacts[]): number {
  return sets.reduce((n, s) => n + s.buckets.length, 0);
}

export function labelCoverage(sets: readonly LabelSetFacts[], recommended: readonly string[]): LabelCoverage {
  let profiles = 0;
  let complete = 0;
  const carrying = new Map<string, number>(recommended.map((e) => [e, 0]));
  for (const s of sets) {
    const n = s.buckets.length;
    profiles += n;
    const missing = new Set(missingRecommended(s.labels, recommended));
    if (missing.size === 0) complete += n;
    for (const e of recommended) if (!missing.has(e)) carrying.set(e, carrying.get(e)! + n);
  }
  const byLabel: Record<string, number | null> = {};
  for (const [e, n] of carrying) byLabel[e] = ratio(n, profiles);
  return { profiles, all: ratio(complete, profiles), byLabel };
}

export function symbolSummary(builds: readonly BuildSymbols[]): SymbolCoverage {
  let frames = 0;
  let unsymbolized = 0;
  for (const b of builds) {
    frames += b.frames;
    unsymbolized += b.unsymbolized;
  }
  return {
    frames,
    unsymbolized,
    unsymbolizedShare: ratio(unsymbolized, frames),
    byBuildId: builds.map((b) => ({ buildId: b.buildId, frames: b.frames, unsymbolized: b.unsymbolized, unsymbolizedShare: ratio(b.unsymbolized, b.frames) })),
  };
}

export function ingestVsBudget(profiles: number, windowSeconds: number, budget: Budget): IngestVsBudget {
  const profilesPerSecond = windowSeconds > 0 ? profiles / windowSeconds : 0;
  const limit = budget.profilesPerSecond ?? null;
  return { profiles, profilesPerSecond, budgetProfilesPerSecond: limit, ratio: limit ? profilesPerSecond / limit : null, sampleOneIn: budget.sampleOneIn ?? null };
}

export interface KpiDeps {
  store: Store;
  config: HotpathConfig;
  settings: SettingsStore;
  rollout: RolloutStore;
}

export interface KpiOptions {
  intervalSeconds: number;
  profileTypeId: string;
  nowMs: number;
}

export interface ServiceKpis {
  service: string;
  owner: string;
  tier: string;
  stage: string;
  frozen: boolean;
  coverage: ArrivalCoverage;
  labelCoverage: LabelCoverage;
  symbolCoverage: SymbolCoverage;
  freshnessSeconds: number | null;
  ingest: IngestVsBudget;
  storage: { retentionTier: string; rows: Record<string, number> };
  versions: string[];
  optimizationYield: OptimizationYield;
}

/** The facts a service's figures come from, fetched once for all services of the scope. */
export async function fleetFacts(store: Store, scope: FleetScope) {
  const [sets, builds, newest] = await Promise.all([labelSets(store, scope), symbolCoverage(store, scope), newestBuckets(store, scope)]);
  return { sets, builds, newest };
}

export function freshnessSeconds(newestBucket: number | undefined, untilMs: number, nowMs: number): number | null {
  return newestBucket === undefined ? null : Math.max(0, Math.floor(Math.min(untilMs, nowMs) / 1000) - newestBucket);
}

export async function computeKpis(deps: KpiDeps, scope: FleetScope, opts: KpiOptions): Promise<ServiceKpis[]> {
  const { store, config, settings, rollout } = deps;
  const { sets, builds, newest } = await fleetFacts(store, scope);
  const tables = [{ name: 'raw', table: 'samples_raw' }, ...store.tiers.rollups.map((r) => ({ name: r.name, table: r.table }))];
  const [rows, stages] = await Promise.all([storedRows(store, scope.tenant, tables, scope.service), rollout.list(scope.tenant, scope.service)]);
  const services = [...new Set([...sets.map((s) => s.service), ...(scope.service === undefined ? [] : [scope.service])])].sort();
  const windowSeconds = (scope.untilMs - scope.fromMs) / 1000;
  const out: ServiceKpis[] = [];
  for (const service of services) {
    const mine = sets.filter((s) => s.service === service);
    const s = settings.get(scope.tenant, service);
    const stage = stages.get(service);
    const labels = labelCoverage(mine, config.limits.recommendedLabels);
    const versions = versionsInOrder(mine);
    out.push({
      service,
      owner: s.owner,
      tier: s.tier,
      stage: stage?.stage ?? FIRST_STAGE,
      frozen: stage?.frozen ?? false,
      coverage: arrivalCoverage(mine, opts.intervalSeconds),
      labelCoverage: labels,
      symbolCoverage: symbolSummary(builds.filter((b) => b.service === service)),
      freshnessSeconds: freshnessSeconds(newest.get(service), scope.untilMs, opts.nowMs),
      ingest: ingestVsBudget(labels.profiles, windowSeconds, s.budget),
      storage: { retentionTier: s.tier, rows: rows.get(service) ?? {} },
      versions,
      optimizationYield: await optimizationYield(store, config, { tenant: scope.tenant, service, profileTypeId: opts.profileTypeId, fromMs: scope.fromMs, untilMs: scope.untilMs }, versions),
    });
  }
  return out;
}
