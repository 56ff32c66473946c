/** The selection of one service (optionally one version of it) — what the report, KPIs and gates query. */
import type { Selection } from './selection.ts';

export const CPU_PROFILE_TYPE = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';

export function serviceSelection(tenant: string, profileTypeId: string, service: string, fromMs: number, untilMs: number, version?: string): Selection {
  const matchers = [{ name: 'service_name', op: '=' as const, value: service }];
  if (version !== undefined) matchers.push({ name: 'version', op: '=' as const, value: version });
  return { tenant, profileTypeId, matchers, fromMs, untilMs };
}
