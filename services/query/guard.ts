/**
 * Regression guard (api.md `POST /api/v1/guard`): rules over the diff of two selections, by share (diff.ts).
 *
 * A rule names a function (or, without `function`, applies to every function) and the largest allowed increase
 * of its self share (`maxShareIncrease`) and/or of its total (inclusive) share (`maxTotalIncrease`), both as
 * fractions of each side's total (0.05 = five percentage points). A function over a threshold is a violation;
 * the guard passes when there is none.
 */
import { HotpathError } from '../../lib/errors.ts';
import type { DiffTable } from './diff.ts';

export interface GuardRule {
  function?: string;
  maxShareIncrease?: number;
  maxTotalIncrease?: number;
}

export interface Violation {
  function: string;
  /** `self`: maxShareIncrease was exceeded; `total`: maxTotalIncrease. */
  share: 'self' | 'total';
  baseline: number;
  comparison: number;
  increase: number;
  threshold: number;
}

export interface GuardResult {
  pass: boolean;
  violations: Violation[];
}

export interface GuardSide {
  query: string;
  from?: string;
  until?: string;
}

function fraction(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new HotpathError('bad_request', `${name} must be a non-negative number (a share: 0.05 = 5 percentage points), got ${JSON.stringify(v)}`);
  return v;
}

export function parseRules(raw: unknown): GuardRule[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new HotpathError('bad_request', 'rules must be a non-empty array of {function?, maxShareIncrease?, maxTotalIncrease?}');
  return raw.map((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new HotpathError('bad_request', `rules[${i}] must be an object`);
    const o = r as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!['function', 'maxShareIncrease', 'maxTotalIncrease'].includes(k)) throw new HotpathError('bad_request', `rules[${i}]: unknown field ${JSON.stringify(k)} (expected function, maxShareIncrease, maxTotalIncrease)`);
    }
    if (o.function !== undefined && (typeof o.function !== 'string' || o.function === '')) throw new HotpathError('bad_request', `rules[${i}].function must be a non-empty string`);
    const rule: GuardRule = {
      function: o.function as string | undefined,
      maxShareIncrease: fraction(`rules[${i}].maxShareIncrease`, o.maxShareIncrease),
      maxTotalIncrease: fraction(`rules[${i}].maxTotalIncrease`, o.maxTotalIncrease),
    };
    if (rule.maxShareIncrease === undefined && rule.maxTotalIncrease === undefined) throw new HotpathError('bad_request', `rules[${i}] needs maxShareIncrease or maxTotalIncrease`);
    return rule;
  });
}

/** A side as a selector string, or `{query, from?, until?}`. */
export function parseSide(name: string, raw: unknown): GuardSide {
  if (typeof raw === 'string') return { query: raw };
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['query', 'from', 'until'].includes(k)) throw new HotpathError('bad_request', `${name}: unknown field ${JSON.stringify(k)} (expected query, from, until)`);
    if (typeof o.query !== 'string') throw new HotpathError('invalid_selector', `${name}.query is required: <profileTypeId>{<selector>}`);
    for (const k of ['from', 'until'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') throw new HotpathError('bad_request', `${name}.${k} must be a string`);
    return { query: o.query, from: o.from as string | undefined, until: o.until as string | undefined };
  }
  throw new HotpathError('invalid_selector', `${name} is required: a selector string or {query, from, until}`);
}

export function evaluateGuard(table: DiffTable, rules: readonly GuardRule[]): GuardResult {
  const violations: Violation[] = [];
  for (const rule of rules) {
    const rows = rule.function === undefined ? table.rows : table.rows.filter((r) => r.function === rule.function);
    for (const row of rows) {
      const checks = [
        ['self', row.selfShare, rule.maxShareIncrease],
        ['total', row.totalShare, rule.maxTotalIncrease],
      ] as const;
      for (const [kind, s, threshold] of checks) {
        if (threshold !== undefined && s.delta > threshold) {
          violations.push({ function: row.function, share: kind, baseline: s.baseline, comparison: s.comparison, increase: s.delta, threshold });
        }
      }
    }
  }
  violations.sort((a, b) => b.increase - a.increase || (a.function < b.function ? -1 : a.function > b.function ? 1 : 0));
  return { pass: violations.length === 0, violations };
}
