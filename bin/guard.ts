/**
 * `hotpath guard`: a CI rollout gate. Compares two selections by share through a Hotpath server's
 * `POST /api/v1/guard` and exits 0 when no function's share rose by more than allowed, 1 on a regression (each
 * violating function printed with baseline → comparison share), 2 on a usage or connection error.
 *
 *   hotpath guard --baseline '<query>' --comparison '<query>' [--from/--until, --baseline-from/-until,
 *                 --comparison-from/-until] [--max-share-increase 0.05] [--max-total-increase x] [--function f]…
 *                 [--url u] [--token t]
 */
import { parseArgs } from 'node:util';
import type { GuardResult, Violation } from '../services/query/guard.ts';
import { callApi, pct, pp, REMOTE_OPTIONS, REMOTE_USAGE, remoteFrom, runRemote, SIDE_OPTIONS, sidesFrom, UsageError } from './remote.ts';

export const GUARD_USAGE = `usage: hotpath guard --baseline '<query>' --comparison '<query>' [options]
  --from, --until                  window of both sides (default now-1h, now)
  --baseline-from/--baseline-until, --comparison-from/--comparison-until   a side's own window
  --max-share-increase <share>     largest allowed rise of a function's self share (default 0.05 = 5 pp)
  --max-total-increase <share>     largest allowed rise of a function's total (inclusive) share
  --function <name>                check only these functions (repeatable; default every function)
${REMOTE_USAGE}
exit: 0 pass, 1 regression, 2 usage or connection error`;

/** The API's answer (services/query/guard.ts): the CLI prints what the server decided. */
export type GuardViolation = Violation;
export type GuardAnswer = GuardResult;

export function shareOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0) throw new UsageError(`--${name} must be a non-negative share (0.05 = 5 percentage points), got ${JSON.stringify(raw)}`);
  return v;
}

/** The guard's rules from the options: one per `--function`, or one for every function. */
export function guardRules(values: { 'max-share-increase'?: string; 'max-total-increase'?: string; function?: string[] }): object[] {
  const maxTotalIncrease = shareOption('max-total-increase', values['max-total-increase']);
  const maxShareIncrease = shareOption('max-share-increase', values['max-share-increase']) ?? (maxTotalIncrease === undefined ? 0.05 : undefined);
  const functions = values.function ?? [];
  const rule = { maxShareIncrease, maxTotalIncrease };
  return functions.length === 0 ? [rule] : functions.map((f) => ({ function: f, ...rule }));
}

export function violationLines(violations: readonly GuardViolation[]): string[] {
  return violations.map((v) => `  ${v.function}: ${v.share} share ${pct(v.baseline)} → ${pct(v.comparison)} (${pp(v.increase)}, allowed ${pp(v.threshold)})`);
}

export const GUARD_OPTIONS = {
  'max-share-increase': { type: 'string' },
  'max-total-increase': { type: 'string' },
  function: { type: 'string', multiple: true },
} as const;

export async function guardCommand(argv: string[]): Promise<number> {
  return runRemote('guard', GUARD_USAGE, async () => {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...SIDE_OPTIONS, ...REMOTE_OPTIONS, ...GUARD_OPTIONS } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const sides = sidesFrom(values);
    const rules = guardRules(values);
    const remote = remoteFrom(values);
    const answer = await callApi<GuardAnswer>(remote, 'POST', '/api/v1/guard', { ...sides, rules });
    if (answer.pass) {
      process.stdout.write('guard: pass\n');
      return 0;
    }
    process.stdout.write(`guard: regression in ${answer.violations.length} check(s)\n${violationLines(answer.violations).join('\n')}\n`);
    return 1;
  });
}
