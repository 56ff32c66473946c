/**
 * What profiled CPU costs. For a CPU profile type (values are CPU nanoseconds), the cores a value kept busy on
 * average over a window are value / (window seconds × 1e9); a month of those cores costs
 * cores × cost per core-hour × 730 hours (365 × 24 / 12, the usual cloud billing month).
 *
 * The arithmetic is done in exactly this order everywhere (report, KPIs, metrics), so figures agree to the last
 * bit and a test can recompute them by hand.
 */
import { parseProfileTypeId } from '../../lib/query/selector.ts';

export const HOURS_PER_MONTH = 730;
const NANOS_PER_SECOND = 1e9;

/** CPU time in nanoseconds: the types whose values are cores × time (on-CPU samples, not wall or memory). */
export function isCpuType(profileTypeId: string): boolean {
  const t = parseProfileTypeId(profileTypeId);
  return t.name === 'process_cpu' && t.sampleType === 'cpu' && t.sampleUnit === 'nanoseconds';
}

/** Average cores a CPU-nanosecond value kept busy over a window of `windowSeconds`. */
export function cores(value: bigint | number, windowSeconds: number): number {
  return windowSeconds <= 0 ? 0 : Number(value) / (windowSeconds * NANOS_PER_SECOND);
}

/** Monthly cost of `coreCount` cores at `costPerCoreHour`. */
export function monthlyCost(coreCount: number, costPerCoreHour: number): number {
  return coreCount * costPerCoreHour * HOURS_PER_MONTH;
}

/** The cost assumption every savings figure states, in the report's JSON and on its page. */
export const SAVINGS_ASSUMPTION =
  'Savings assume the work removed from a function is not moved elsewhere: halving its self time saves half of its self cost, removing it saves all of it. ' +
  `Cores = CPU nanoseconds / (window seconds × 1e9), averaged over the window; monthly cost = cores × cost per core-hour × ${HOURS_PER_MONTH} hours.`;
