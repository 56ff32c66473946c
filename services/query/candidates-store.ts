/**
 * Fix candidates as reports named them (schemas/clickhouse/007_rollout.sql `fix_candidates`): a report of one
 * version records its top self-time functions and their shares, so the KPI pack can later ask how much those
 * shares fell in the versions that followed (optimization yield).
 */
import type { Store } from '../../lib/store/store.ts';

export interface NamedCandidate {
  version: string;
  function: string;
  selfShare: number;
}

export async function recordCandidates(store: Store, tenant: string, service: string, profileType: string, candidates: NamedCandidate[]): Promise<void> {
  const reportedAt = Date.now();
  await store.insertRows(
    'fix_candidates',
    candidates.map((c) => ({ tenant, service, profile_type: profileType, version: c.version, function: c.function, self_share: c.selfShare, reported_at: reportedAt })),
  );
}

export async function namedCandidates(store: Store, tenant: string, service: string, profileType: string): Promise<NamedCandidate[]> {
  const rows = await store.select<{ version: string; function: string; self_share: number }>(
    `SELECT version, function, self_share FROM fix_candidates FINAL
     WHERE tenant = {tenant:String} AND service = {service:String} AND profile_type = {profileType:String}
     ORDER BY version, function`,
    { tenant, service, profileType },
  );
  return rows.map((r) => ({ version: r.version, function: r.function, selfShare: Number(r.self_share) }));
}
