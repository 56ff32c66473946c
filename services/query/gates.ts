/**
 * Promotion gates of a service's profiling rollout (api.md `GET /api/v1/services/{service}/gates`). A service moves
 * lab → canary → segment → core → deep; before each promotion these gates must hold over the window:
 *
 * | gate            | figure                                                       | passes when | skipped when        |
 * |-----------------|--------------------------------------------------------------|-------------|---------------------|
 * | ingest_budget   | stored profiles/s ÷ budget profilesPerSecond                 | ≤ 1         | no profiles budget  |
 * | label_coverage  | share of profiles carrying every recommended label           | ≥ 0.9       | no profiles         |
 * | symbol_coverage | share of distinct frames that are symbolized                 | ≥ 0.9       | no frames           |
 * | guard           | largest self-share increase, previous → newest version       | ≤ 0.05      | fewer than 2 versions|
 *
 * The thresholds are the same at every stage: a stage widens how much of the fleet is profiled, and data that is
 * over budget, unattributable, unreadable or regressing is no more acceptable in a canary than in the core.
 * 90 % coverage leaves room for a few pods mid-rollout or a stripped sidecar; 5 percentage points is the guard's
 * CLI default.
 *
 * A failing gate freezes the service at its stage (no promotion until the gates pass) and lowers its sampling:
 * budget.sampleOneIn doubles (from 1 — keep everything — to 2 at first), through the SettingsStore, once per
 * freeze. When the gates pass again the freeze lifts; the lowered sampling stays until an operator restores it
 * (the value before the freeze is kept as `sampleOneInBefore`). The gateway applies sampleOneIn to a service over
 * its budget (services/ingest/rate-limit.ts).
 */
import type { HotpathConfig } from '../../lib/config/index.ts';
import { HotpathError } from '../../lib/errors.ts';
import type { SettingsStore } from '../../lib/settings/service-settings.ts';
import type { Store } from '../../lib/store/store.ts';
import { diffTable } from './diff.ts';
import { labelSets, symbolCoverage } from './fleet.ts';
import { evaluateGuard } from './guard.ts';
import { ingestVsBudget, labelCoverage, symbolSummary } from './kpis.ts';
import { STAGES, type RolloutState, type RolloutStore, type Stage } from './rollout-store.ts';
import { serviceSelection } from './service-selection.ts';
import { mergeStacks } from './stacks.ts';
import { versionsInOrder } from './yield.ts';

export const GATE_THRESHOLDS = { ingestBudgetRatio: 1, labelCoverage: 0.9, symbolCoverage: 0.9, guardMaxShareIncrease: 0.05 } as const;

export type Verdict = 'pass' | 'fail' | 'skip';

export interface Gate {
  name: 'ingest_budget' | 'label_coverage' | 'symbol_coverage' | 'guard';
  figure: number | null;
  threshold: number;
  /** How the figure must compare to the threshold to pass. */
  must: '<=' | '>=';
  verdict: Verdict;
  detail: string;
}

export interface GatesResult {
  service: string;
  stage: string;
  frozen: boolean;
  frozenReason: string;
  /** What this evaluation changed: froze the stage (and lowered sampling), lifted a freeze, or nothing. */
  action: 'froze' | 'unfroze' | 'none';
  sampling: { sampleOneIn: number | null; sampleOneInBefore: number | null };
  gates: Gate[];
}

export interface GateDeps {
  store: Store;
  config: HotpathConfig;
  settings: SettingsStore;
  rollout: RolloutStore;
}

function gate(name: Gate['name'], figure: number | null, threshold: number, must: Gate['must'], skipDetail: string, detail: string): Gate {
  if (figure === null) return { name, figure, threshold, must, verdict: 'skip', detail: skipDetail };
  const ok = must === '<=' ? figure <= threshold : figure >= threshold;
  return { name, figure, threshold, must, verdict: ok ? 'pass' : 'fail', detail };
}

export async function evaluateGates(deps: GateDeps, scope: { tenant: string; service: string; fromMs: number; untilMs: number; profileTypeId: string }): Promise<Gate[]> {
  const { store, config, settings } = deps;
  const fleet = { tenant: scope.tenant, service: scope.service, fromMs: scope.fromMs, untilMs: scope.untilMs };
  const [sets, builds] = await Promise.all([labelSets(store, fleet), symbolCoverage(store, fleet)]);
  const labels = labelCoverage(sets, config.limits.recommendedLabels);
  const ingest = ingestVsBudget(labels.profiles, (scope.untilMs - scope.fromMs) / 1000, settings.get(scope.tenant, scope.service).budget);
  const symbols = symbolSummary(builds);
  const versions = versionsInOrder(sets);

  let guardFigure: number | null = null;
  let guardDetail = '';
  if (versions.length >= 2) {
    const [prev, next] = versions.slice(-2) as [string, string];
    const side = (v: string) => mergeStacks(store, serviceSelection(scope.tenant, scope.profileTypeId, scope.service, scope.fromMs, scope.untilMs, v), config.bucketSeconds);
    const [b, c] = await Promise.all([side(prev), side(next)]);
    const table = diffTable(b.stacks, c.stacks, 'self');
    guardFigure = Math.max(0, table.rows[0]?.selfShare.delta ?? 0);
    const result = evaluateGuard(table, [{ maxShareIncrease: GATE_THRESHOLDS.guardMaxShareIncrease }]);
    guardDetail = result.pass
      ? `${prev} → ${next}: no function's self share rose by more than ${GATE_THRESHOLDS.guardMaxShareIncrease}`
      : `${prev} → ${next}: ${result.violations.map((v) => `${v.function} ${v.baseline.toFixed(4)} → ${v.comparison.toFixed(4)}`).join(', ')}`;
  }

  const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  return [
    gate('ingest_budget', ingest.ratio, GATE_THRESHOLDS.ingestBudgetRatio, '<=', 'no profilesPerSecond budget set', `${ingest.profilesPerSecond.toFixed(3)} profiles/s of ${ingest.budgetProfilesPerSecond} budgeted`),
    gate('label_coverage', labels.all, GATE_THRESHOLDS.labelCoverage, '>=', 'no profiles in the window', `${pct(labels.all)} of ${labels.profiles} profiles carry ${config.limits.recommendedLabels.join(', ')}`),
    gate(
      'symbol_coverage',
      symbols.unsymbolizedShare === null ? null : 1 - symbols.unsymbolizedShare,
      GATE_THRESHOLDS.symbolCoverage,
      '>=',
      'no frames in the window',
      `${symbols.unsymbolized} of ${symbols.frames} distinct frames unsymbolized`,
    ),
    gate('guard', guardFigure, GATE_THRESHOLDS.guardMaxShareIncrease, '<=', `fewer than two versions in the window (${versions.join(', ') || 'none'})`, guardDetail),
  ];
}

/** Evaluates the gates and applies the outcome: freeze and lower sampling on a failure, lift the freeze on a pass. */
export async function checkGates(deps: GateDeps, scope: { tenant: string; service: string; fromMs: number; untilMs: number; profileTypeId: string }): Promise<GatesResult> {
  const { settings, rollout } = deps;
  const gates = await evaluateGates(deps, scope);
  const failing = gates.filter((g) => g.verdict === 'fail');
  let state: RolloutState = await rollout.get(scope.tenant, scope.service);
  let action: GatesResult['action'] = 'none';
  if (failing.length > 0 && !state.frozen) {
    const current = settings.get(scope.tenant, scope.service);
    const before = current.budget.sampleOneIn;
    await settings.put(scope.tenant, scope.service, { budget: { ...current.budget, sampleOneIn: Math.max(2, (before ?? 1) * 2) } });
    state = await rollout.put(scope.tenant, scope.service, { stage: state.stage, frozen: true, frozenReason: `failed: ${failing.map((g) => g.name).join(', ')}`, sampleOneInBefore: before });
    action = 'froze';
  } else if (failing.length === 0 && state.frozen) {
    state = await rollout.put(scope.tenant, scope.service, { ...state, frozen: false, frozenReason: '' });
    action = 'unfroze';
  }
  return {
    service: scope.service,
    stage: state.stage,
    frozen: state.frozen,
    frozenReason: state.frozenReason,
    action,
    sampling: { sampleOneIn: settings.get(scope.tenant, scope.service).budget.sampleOneIn ?? null, sampleOneInBefore: state.sampleOneInBefore ?? null },
    gates,
  };
}

/**
 * Moves a service to `stage`. Going back is always allowed; going forward only one stage at a time, and only when
 * the gates (evaluated now, with their effects) pass — a frozen service stays where it is.
 */
export async function setStage(deps: GateDeps, scope: { tenant: string; service: string; fromMs: number; untilMs: number; profileTypeId: string }, stage: Stage): Promise<GatesResult> {
  const current = await deps.rollout.get(scope.tenant, scope.service);
  const from = STAGES.indexOf(current.stage);
  const to = STAGES.indexOf(stage);
  if (to > from) {
    if (to > from + 1) throw new HotpathError('bad_request', `service ${JSON.stringify(scope.service)} is at stage ${current.stage}: promote one stage at a time (next: ${STAGES[from + 1]})`);
    const checked = await checkGates(deps, scope);
    if (checked.frozen) {
      throw new HotpathError('bad_request', `service ${JSON.stringify(scope.service)} is frozen at stage ${checked.stage} (${checked.frozenReason}); promotion needs every gate to pass`);
    }
  }
  const latest = await deps.rollout.get(scope.tenant, scope.service);
  await deps.rollout.put(scope.tenant, scope.service, { ...latest, stage });
  return checkGates(deps, scope);
}
